// The engine host as the matte queue uses it: loads the model (status goes loading → ready/failed),
// sends the references once per change and mattes one target at a time. A reference is matted from
// its own prompt (reference-matte.ts) when it can be, without the engine.
import { packIdOf, type ProviderChoice } from '../shared/vocabulary';
import { EngineClient, type EngineWorkerEntry } from './engine-client';
import type { EngineResources } from '../engine/pipeline/matter';
import type { EngineMatteReply } from './engine-protocol';
import { ServiceError } from './errors';
import { EmptyPromptError, toEngineCorrection, toEnginePrompt } from './prompt-raster';
import { maskReferenceMatte } from './reference-matte';
import type { PhotoRecord, ShootState } from './shoot-state';

export interface EngineOptions {
  provider?: ProviderChoice;
  threads?: number;
  /** Where the engine finds its model packs and selection model (the hosts read ICM_MODELS_DIR, ICM_HEAD_MODEL). */
  resources?: EngineResources;
  workerEntry?: EngineWorkerEntry;
  /** Called as each target is sent to the engine (tests count engine work with it). */
  onEngineMatte?: (path: string) => void;
}

export class MatteEngine {
  private engine: EngineClient | null = null;
  /** References as last sent to the engine (key), so they are sent once per change. */
  private engineReferencesKey = '';

  constructor(
    private readonly state: ShootState,
    private readonly opts: EngineOptions,
  ) {}

  /** Starts the engine host and loads the model; a failure is the engine's status, not a throw. */
  async start(): Promise<void> {
    this.engine = new EngineClient(this.opts.workerEntry);
    try {
      this.state.engine.info = await this.engine.init({
        pack: packIdOf(this.state.settings.pack),
        provider: this.opts.provider,
        threads: this.opts.threads,
        maxPixels: this.state.opts.maxPixels,
        resources: this.opts.resources,
      });
      this.state.engine.state = 'ready';
    } catch (e) {
      this.state.engine.state = 'failed';
      this.state.engine.error = (e as Error).message;
    }
    this.state.emitStatus();
  }

  async close(): Promise<void> {
    await this.engine?.close();
  }

  /** The photo's matte for its current inputs (files written at `stem`). */
  async matte(r: PhotoRecord, stem: string): Promise<EngineMatteReply> {
    const { state } = this;
    if (state.engine.state !== 'ready' || !this.engine)
      throw new ServiceError('engine', `the model is not available: ${state.engine.error ?? 'still loading'}`);
    const spec = state.references.find((x) => x.photoId === r.id);
    if (spec) {
      const own = await maskReferenceMatte(
        spec,
        r,
        stem,
        state.order.map((id) => state.photos.get(id)!.path),
        state.mattes,
      ).catch((e) => {
        if (e instanceof EmptyPromptError) throw new ServiceError('invalid-argument', `reference ${r.name}: ${e.message}`);
        throw e;
      });
      if (own) return own;
    }
    if (this.engineReferencesKey !== state.referencesKey) {
      const refs = [];
      for (const spec of state.references) {
        const ref = state.photo(spec.photoId);
        let prompt;
        try {
          prompt = spec.prompt.matte
            ? await state.mattes.enginePrompt(spec.prompt.matte, ref.width, ref.height)
            : await toEnginePrompt(spec.prompt, ref.width, ref.height);
        } catch (e) {
          if (e instanceof EmptyPromptError) throw new ServiceError('invalid-argument', `reference ${ref.name}: ${e.message}`);
          throw e;
        }
        refs.push({ path: ref.path, cacheKey: imageKeyOf(ref), prompt });
      }
      await this.engine.setReferences(refs);
      this.engineReferencesKey = state.referencesKey;
    }
    const correction = r.correction ? await toEngineCorrection(r.correction, r.width, r.height) : null;
    this.opts.onEngineMatte?.(r.path);
    return this.engine.matte(
      r.path,
      imageKeyOf(r),
      stem,
      correction,
      state.order.map((id) => state.photos.get(id)!.path),
    );
  }
}

/** A photo's identity for the engine host's kept pixels and features: a changed file gets a new key. */
function imageKeyOf(r: PhotoRecord): string {
  return `${r.path}|${r.size}|${r.mtimeMs}`;
}
