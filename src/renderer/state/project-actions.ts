// Projects: new, open, save, the recent list, relinking moved photos, serve mode's folder browser.
import type { FolderListing } from '../../shared/contract';
import type { ActionContext } from './action-context';

export class ProjectActions {
  /** `startOver` resets the UI state after the service switched projects (Actions.afterProjectChange). */
  constructor(
    private readonly ctx: ActionContext,
    private readonly startOver: () => Promise<void>,
  ) {}

  async newProject(): Promise<void> {
    const ok = await this.ctx.call(() => this.ctx.bridge.api.newProject().then(() => true));
    if (ok) await this.startOver();
  }

  /** Resolves to whether it opened (a path dialog stays open, with what was typed, when not). */
  async openProject(path: string): Promise<boolean> {
    const status = await this.ctx.call(() => this.ctx.bridge.api.openProject(path));
    if (!status) return false;
    this.ctx.store.setStatus(status);
    await this.startOver();
    return true;
  }

  async saveProject(path?: string): Promise<boolean> {
    const project = await this.ctx.call(() => this.ctx.bridge.api.saveProject(path));
    if (!project) return false;
    this.ctx.store.update((s) => (s.status ? { status: { ...s.status, project } } : {}));
    this.ctx.store.toast('info', `Saved ${project.path ?? project.name}`);
    return true;
  }

  recentProjects(): Promise<string[] | undefined> {
    return this.ctx.call(() => this.ctx.bridge.api.recentProjects());
  }

  async relinkFolder(folder: string): Promise<boolean> {
    const r = await this.ctx.call(() => this.ctx.bridge.api.relinkFolder(folder));
    if (r) this.ctx.store.toast('info', `Relinked ${r.relinked} photo${r.relinked === 1 ? '' : 's'}; ${r.stillMissing} still missing.`);
    return !!r;
  }

  /** Serve mode's folder browser: a folder inside the server's roots (null: the roots); errors are thrown, for the dialog to show. */
  listFolder(path: string | null): Promise<FolderListing> {
    return this.ctx.bridge.api.listFolder(path);
  }
}
