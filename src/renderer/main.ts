// Renderer entry (a placeholder page until the desktop-app milestone). It talks to the main
// process only through window.icm (src/preload/api.ts).
const versionEl = document.getElementById('version');

async function showVersion(): Promise<void> {
  if (!versionEl) return;
  if (!window.icm) {
    versionEl.textContent = 'running outside the desktop app';
    return;
  }
  try {
    versionEl.textContent = `version ${await window.icm.version()}`;
  } catch (e) {
    versionEl.textContent = `could not reach the app: ${(e as Error).message}`;
  }
}

void showVersion();
