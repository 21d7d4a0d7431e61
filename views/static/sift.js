// Progressive enhancement only: every page works without this file.
for (const t of document.querySelectorAll('time[datetime]')) {
  const d = new Date(t.getAttribute('datetime'));
  if (!isNaN(d)) { t.title = t.textContent; t.textContent = d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }); }
}
const refreshing = document.querySelector('[data-refresh]');
if (refreshing) setTimeout(() => location.reload(), Number(refreshing.dataset.refresh) * 1000);
// Crowd answers: a class's key (shown on its button) answers without the mouse.
const answerForm = document.querySelector('form.answers');
if (answerForm) {
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    if (e.target instanceof HTMLElement && e.target.closest('input, textarea, select, [contenteditable]')) return;
    const button = [...answerForm.querySelectorAll('button[data-key]')].find((b) => b.dataset.key.toLowerCase() === e.key.toLowerCase());
    if (button) { e.preventDefault(); button.click(); }
  });
}
// Countdowns ("in 3 days 4 hours") kept current; the server wrote the first value.
const countdowns = document.querySelectorAll('[data-countdown]');
const plural = (n, unit) => `${n} ${unit}${n === 1 ? '' : 's'}`;
const tick = () => {
  for (const el of countdowns) {
    const minutes = Math.floor((Date.parse(el.dataset.countdown) - Date.now()) / 60000);
    if (Number.isNaN(minutes)) continue;
    const d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
    el.textContent = minutes < 0 ? 'now (reload the page)' : d ? `in ${plural(d, 'day')}${h ? ' ' + plural(h, 'hour') : ''}` : h ? `in ${plural(h, 'hour')}${m ? ' ' + plural(m, 'minute') : ''}` : m ? `in ${plural(m, 'minute')}` : 'in less than a minute';
  }
};
if (countdowns.length) setInterval(tick, 30000);
// A box that scrolls (a wide table on a phone, a long code line) takes keyboard focus, so it can be
// scrolled with the arrow keys; only while it does scroll, so there are no idle tab stops.
const scrollsOn = (overflow) => overflow === 'auto' || overflow === 'scroll';
const keyboardScroll = () => {
  for (const el of document.querySelectorAll('main *:not(textarea, select, input)')) {
    const style = getComputedStyle(el);
    const scrolls = (scrollsOn(style.overflowX) && el.scrollWidth > el.clientWidth) || (scrollsOn(style.overflowY) && el.scrollHeight > el.clientHeight);
    if (scrolls && !el.hasAttribute('tabindex')) {
      el.setAttribute('tabindex', '0');
      el.dataset.scrollFocus = '';
    } else if (!scrolls && 'scrollFocus' in el.dataset) {
      el.removeAttribute('tabindex');
      delete el.dataset.scrollFocus;
    }
  }
};
keyboardScroll();
let resizing;
addEventListener('resize', () => { clearTimeout(resizing); resizing = setTimeout(keyboardScroll, 200); });
