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
