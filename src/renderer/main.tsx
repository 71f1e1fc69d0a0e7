// Renderer entry: connects to the service (Electron preload or the serve-mode HTTP bridge) and
// mounts the app. The service is reached only through the Bridge (src/renderer/bridge).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { connect } from './bridge';
import { Actions, errorMessage } from './state/actions';
import { AppContext } from './state/context';
import { Store } from './state/store';
import './styles.css';

const store = new Store();
const actions = new Actions(connect(), store);

// Last line of defence: a rejection no handler caught still reaches the user, not just the console.
window.addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  store.toast('error', errorMessage(e.reason));
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AppContext value={actions}>
      <App />
    </AppContext>
  </StrictMode>,
);
