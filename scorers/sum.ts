/**
 * Compensated (Neumaier) summation. Scores are sums over up to a few hundred
 * thousand rows; a plain running sum drifts by ~n·eps in the worst case, while
 * the reference implementations (numpy) sum pairwise. Compensation keeps our
 * figures within a few ulps of theirs at the cost of a few extra flops.
 *
 * One instance is allocated per sum, never per row.
 */
export class NeumaierSum {
  private s = 0;
  private c = 0;

  add(x: number): void {
    const s = this.s;
    const t = s + x;
    if (Math.abs(s) >= Math.abs(x)) this.c += s - t + x;
    else this.c += x - t + s;
    this.s = t;
  }

  get value(): number {
    return this.s + this.c;
  }
}
