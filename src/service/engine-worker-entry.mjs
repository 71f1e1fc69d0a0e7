// Worker entry under plain Node: compile the TypeScript engine host on the fly with tsx.
import { register } from 'tsx/esm/api';

register();
await import('./engine-worker.ts');
