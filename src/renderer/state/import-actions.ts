// Photos into the shoot (paths, dropped files, uploads in serve mode) and out of it again.
import type { ImportFailure, ImportSummary, PickKind, ReferenceSpec } from '../../shared/contract';
import { IMAGE_EXTENSIONS, isImageName } from '../../shared/vocabulary';
import { errorMessage, type ActionContext } from './action-context';

export class ImportActions {
  /** `pushReferences` sends the references without the removed photos (ReferenceActions.pushReferences). */
  constructor(
    private readonly ctx: ActionContext,
    private readonly pushReferences: (refs: readonly ReferenceSpec[]) => Promise<void>,
  ) {}

  /** Imports and shows the summary; resolves to the service's summary (undefined when the call failed). */
  async importPaths(paths: string[], uploadFailures: ImportFailure[] = []): Promise<ImportSummary | undefined> {
    const store = this.ctx.store;
    if (paths.length === 0) {
      if (uploadFailures.length) store.update({ importSummary: { added: 0, skippedDuplicates: 0, failed: uploadFailures } });
      return undefined;
    }
    store.update({ importProgress: `Importing ${paths.length === 1 ? paths[0] : `${paths.length} items`}…` });
    const summary = await this.ctx.call(() => this.ctx.bridge.api.importPaths(paths));
    store.update({ importProgress: null });
    if (summary || uploadFailures.length) {
      const merged: ImportSummary = summary
        ? { ...summary, failed: [...uploadFailures, ...summary.failed] }
        : { added: 0, skippedDuplicates: 0, failed: uploadFailures };
      store.update({ importSummary: merged });
    }
    return summary;
  }

  /** Dropped or chosen files: their paths (desktop) or uploads (web), then one import. */
  async importFiles(files: File[]): Promise<ImportSummary | undefined> {
    const { bridge, store } = this.ctx;
    const failures: ImportFailure[] = [];
    const paths: string[] = [];
    if (bridge.mode === 'desktop' && bridge.pathOfDroppedFile) {
      // Desktop: folders are passed as paths too (the service scans them).
      for (const f of files) {
        const p = bridge.pathOfDroppedFile(f);
        if (p) paths.push(p);
        else failures.push({ path: f.name, reason: 'the file has no path on disk' });
      }
      return this.importPaths(paths, failures);
    }
    const upload = bridge.upload;
    if (!upload) {
      store.toast('error', 'This window cannot upload files; import from a path instead.');
      return;
    }
    const images = files.filter((f) => {
      if (isImageName(f.name)) return true;
      failures.push({ path: f.name, reason: `not a supported image type (${IMAGE_EXTENSIONS.join(' ')})` });
      return false;
    });
    // Sequential: one upload at a time keeps memory flat and the progress honest.
    for (let i = 0; i < images.length; i++) {
      const f = images[i];
      store.update({ importProgress: `Uploading ${i + 1}/${images.length}: ${f.name}` });
      try {
        paths.push(await upload(f));
      } catch (e) {
        failures.push({ path: f.name, reason: errorMessage(e) });
      }
    }
    store.update({ importProgress: null });
    return this.importPaths(paths, failures);
  }

  async pick(kind: PickKind): Promise<string[] | null> {
    const paths = await this.ctx.call(() => this.ctx.bridge.api.pickPaths(kind));
    return paths && paths.length > 0 ? paths : null;
  }

  dismissImportSummary(): void {
    this.ctx.store.update({ importSummary: null });
  }

  async removePhotos(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    // Removing a reference also drops it from the references.
    const refs = this.ctx.store.getState().references;
    if (refs.some((r) => ids.includes(r.photoId))) {
      await this.pushReferences(refs.filter((r) => !ids.includes(r.photoId)));
    }
    await this.ctx.call(() => this.ctx.bridge.api.removePhotos(ids));
  }
}
