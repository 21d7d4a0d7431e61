// Progressive enhancement only: every page works without this file.
for (const t of document.querySelectorAll('time[datetime]')) {
  const d = new Date(t.getAttribute('datetime'));
  if (!isNaN(d)) { t.title = t.textContent; t.textContent = d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }); }
}
const refreshing = document.querySelector('[data-refresh]');
if (refreshing) setTimeout(() => location.reload(), Number(refreshing.dataset.refresh) * 1000);
