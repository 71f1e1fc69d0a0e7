// The targets: previews ahead of the queue, corrections, the run over all of them and the export.
import type { Correction, ExportOptions, PhotoInfo } from '../../shared/contract';
import { errorMessage, type ActionContext } from './action-context';

export class TargetActions {
  private readonly previewsInFlight = new Map<string, Promise<PhotoInfo | undefined>>();

  constructor(private readonly ctx: ActionContext) {}

  private mergePhoto(p: PhotoInfo | undefined): void {
    if (p) this.ctx.store.enqueue({ type: 'photos', photos: [p] });
  }

  /** Runs one target ahead of the queue; its progress and error are kept in store.previews. */
  preview(id: string): Promise<PhotoInfo | undefined> {
    const running = this.previewsInFlight.get(id);
    if (running) return running;
    const version = this.ctx.store.getState().photos.get(id)?.version ?? 0;
    this.ctx.store.setPreview(id, { version, state: 'running' });
    const p = this.ctx.bridge.api.previewTarget(id).then(
      (photo) => {
        this.ctx.store.setPreview(id, null);
        this.mergePhoto(photo);
        return photo;
      },
      (e: unknown) => {
        this.ctx.store.setPreview(id, { version, state: 'error', message: errorMessage(e) });
        return undefined;
      },
    );
    const tracked = p.finally(() => this.previewsInFlight.delete(id));
    this.previewsInFlight.set(id, tracked);
    return tracked;
  }

  /** Loads a target's saved correction (a reopened project) into the UI state, once. */
  async loadCorrection(id: string): Promise<void> {
    const c = await this.ctx.call(() => this.ctx.bridge.api.getCorrection(id));
    if (c === undefined) return;
    this.ctx.store.update((s) => {
      if (s.corrections.has(id)) return {};
      const corrections = new Map(s.corrections);
      corrections.set(id, c);
      return { corrections };
    });
  }

  async setCorrection(id: string, correction: Correction | null): Promise<void> {
    this.ctx.store.update((s) => {
      const corrections = new Map(s.corrections);
      corrections.set(id, correction);
      return { corrections };
    });
    this.mergePhoto(await this.ctx.call(() => this.ctx.bridge.api.setCorrection(id, correction)));
  }

  async runAll(): Promise<void> {
    await this.ctx.call(() => this.ctx.bridge.api.runTargets());
  }

  async cancelJob(jobId: string): Promise<void> {
    await this.ctx.call(() => this.ctx.bridge.api.cancelJob(jobId));
  }

  exportShoot(options: ExportOptions): Promise<string | undefined> {
    return this.ctx.call(() => this.ctx.bridge.api.exportShoot(options));
  }
}
