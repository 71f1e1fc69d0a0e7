// IconMatting's data flow, end to end: images + prompts → features → S (eq. 4) → S′ (eq. 5) →
// alpha. One InContextMatter serves a whole batch: the backbone is loaded once and the reference
// description (tokens, RoI, regions) is computed once per reference set and cached.
import { Backbone, type EncodedImage, type FeatureMap, type RgbImage } from './backbone';
import type { BoundedCache } from './bounded-cache';
import { describeCandidates, findCandidates, type EvidenceMaps, type ReferenceStats } from './candidates';
import { labHistogram } from './colour';
import type { HeadParams } from './head';
import { encodingCache, referenceCache, referenceKey } from './matter-caches';
import { matterRevision, matterSettings, type MatterSettings } from './matter-settings';
import { matteResult, stageTimings, type TargetSelection } from './matte-result';
import { unionOfReferences, type PreparedReference } from './prepared-reference';
import { maskCoverage, promptSeedCells, salientRegionsAt, type Prompt } from './prompt';
import { decide, decidingModel, gateOf, type HeadModel } from './selection';
import { refinerFor, type AlphaRefiner, type CoarseMatte, type RefinerId } from './refine';
import { poolSaliency, saliencyOnly } from './saliency';
import { intraPerScale } from './scales';
import {
  DEFAULT_FEATURE_CACHE_BYTES,
  type EngineResources,
  type MatterOptions,
  type MatteOptions,
  type ReferenceInput,
  type StageTimings,
  type MatteResult,
  type PreparedReferenceHandle,
} from './matter-types';
import { meanRows, prototypeCosine, queryAt } from './query';
import { andOr, downsampleRoi, rasterBox, threshold, upsampleRoi } from './roi-grid';
import { appendBlocks, buildTokens, contextBlocks, labGrid, unitColumns, withPositionCode, type ImageTokens } from './tokens';

export { DEFAULT_FEATURE_CACHE_BYTES };
export type { EngineResources, MatterOptions, MatteOptions, ReferenceInput, StageTimings, MatteResult, PreparedReferenceHandle };

export class InContextMatter {
  readonly interTemperature: number;
  readonly intraTemperature: number;
  readonly extensionTopM: number;
  readonly head: HeadParams;
  readonly heatmapScales: readonly string[];
  readonly refiner: AlphaRefiner;
  /** Prepared queries by image + prompt, bounded: an editing session tries many prompts. */
  private readonly referenceCache = referenceCache();
  /** Backbone passes by image key (reference and targets alike: the same image gives the same pass). */
  private readonly encodings: BoundedCache<EncodedImage>;
  private reference: PreparedReference | null = null;
  /** Mean query token (unit blocks joined), for the candidates' prototype cosine. */
  private prototype: Float32Array[] = [];

  private constructor(
    readonly backbone: Backbone,
    private readonly settings: MatterSettings,
  ) {
    this.interTemperature = settings.interTemperature;
    this.intraTemperature = settings.intraTemperature;
    this.extensionTopM = settings.extensionTopM;
    this.head = settings.head;
    this.heatmapScales = settings.heatmapScales;
    this.refiner = settings.refiner;
    this.encodings = encodingCache(settings.featureCacheBytes);
  }

  static async create(opts: MatterOptions = {}): Promise<InContextMatter> {
    const { provider, threads, modelsDir } = opts;
    const backbone = await Backbone.load(opts.pack ?? 'isnet-medium', { provider, threads, modelsDir });
    return new InContextMatter(backbone, matterSettings(opts, backbone));
  }

  get provider(): string {
    return this.backbone.pack.provider;
  }

  /** What this matter's results depend on besides its inputs (matter-settings.ts). */
  get revision(): string {
    return matterRevision(this.backbone, this.settings);
  }
  get providerNote(): string {
    return this.backbone.pack.providerNote;
  }

  private get featureIds(): string[] {
    const { interIds, intraIds } = this.settings;
    return [...new Set([...interIds, ...intraIds, ...this.heatmapScales])];
  }

  /**
   * Both token sets on the grid of the first inter feature, each as base tokens plus context
   * features (which the similarity graphs join as unit blocks on the same grid):
   * - inter (what the object is, eqs. 2–4): the unit-length features alone. ISNet's encoder stages
   *   tell the referenced object from other objects far better than its decoder (pixel AUC of the
   *   nearest-reference cosine, object vs other salient, icm-composite: e32 0.87, e64 0.80, d16
   *   0.71, d64 0.55); colour is left out, because a colour match pulls S onto look-alike parts of
   *   other objects.
   * - intra (which locations belong together, eq. 5): decoder features and the colour code, which
   *   follow object boundaries.
   */
  private async tokensOf(enc: EncodedImage, image: RgbImage): Promise<ImageTokens> {
    const { interIds, intraIds } = this.settings;
    const first = enc.features.get(interIds[0])!;
    const [h, w] = [first.height, first.width];
    const n = h * w;
    const onGrid = async (f: FeatureMap): Promise<FeatureMap> =>
      f.height === h && f.width === w
        ? f
        : {
            ...f,
            height: h,
            width: w,
            data: await this.backbone.graphSessions.resizeChannels(f.data, f.channels, f.height, f.width, h, w),
          };
    const maps = (ids: string[]) => ids.map((id) => enc.features.get(id)!);
    // the colour grid is resampled by sharp on its own thread while the feature tokens are built here
    const labPending = labGrid(image, w);
    labPending.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled
    const interTokens = unitColumns(first.data, first.channels, n);
    const intraBase = await onGrid(enc.features.get(intraIds[0])!);
    const lab = await labPending;
    return {
      inter: { tokens: interTokens, context: { maps: maps(interIds.slice(1)), grid: [h, w] } },
      intra: { tokens: buildTokens(intraBase, lab), context: { maps: maps(intraIds.slice(1)), grid: [h, w] } },
      lab,
      side: w,
      n,
    };
  }

  /** Sets the reference set for the following targets (several references: union of queries, Table 6). */
  async setReferences(refs: ReferenceInput[]): Promise<void> {
    if (refs.length === 0) throw new Error('at least one reference is needed');
    const prepared: PreparedReferenceHandle[] = [];
    for (const r of refs) prepared.push(await this.prepare(r));
    this.useReferences(prepared);
  }

  /**
   * One reference's description (its query tokens, RoI colour and area), for useReferences. With
   * `encoded`, the image's existing backbone pass is read instead of a new one: a sequence turns
   * the frame it has just matted into a reference without encoding it again (sequence.ts).
   */
  async prepare(r: ReferenceInput, encoded?: EncodedImage): Promise<PreparedReferenceHandle> {
    const key = referenceKey(r);
    let p = key ? this.referenceCache.get(key) : undefined;
    if (!p) {
      p = await this.prepareReference(r.image, r.prompt, encoded ?? (await this.encodeKept(r.image, r.cacheKey)).enc);
      if (key) this.referenceCache.set(key, p);
    }
    return p;
  }

  /** Sets prepared references (prepare) for the following targets: one, or the union of their queries (Table 6). */
  useReferences(handles: PreparedReferenceHandle[]): void {
    if (handles.length === 0) throw new Error('at least one reference is needed');
    this.reference = unionOfReferences(handles);
    this.prototype = meanRows(this.reference);
  }

  private async prepareReference(image: RgbImage, prompt: Prompt, enc: EncodedImage): Promise<PreparedReference> {
    const g = this.backbone.graphSessions;
    const tokens = await this.tokensOf(enc, image);
    const { side, n } = tokens;
    const blocks = await contextBlocks(g, tokens.inter.context);
    const R = this.head.colourGrid;
    const refSaliency = await poolSaliency(g, enc, R);

    let roiTokens: Uint8Array; // RoI on the inter grid
    let roiRegion: Uint8Array; // RoI on the region grid
    if (prompt.kind === 'mask') {
      const coverage = maskCoverage(prompt.mask, image.width, image.height, side);
      roiTokens = threshold(coverage, 0.5);
      // a mask thinner than a grid cell still selects the cells it touches
      if (!roiTokens.some((v) => v)) roiTokens = threshold(coverage, 0);
      roiRegion = threshold(maskCoverage(prompt.mask, image.width, image.height, R), 0.5);
    } else if (prompt.kind === 'box') {
      const boxMask = rasterBox(prompt.box, image.width, image.height);
      const inBoxR = threshold(maskCoverage(boxMask, image.width, image.height, R), 0.5);
      roiRegion = andOr(inBoxR, threshold(refSaliency, this.head.salientThreshold));
      roiTokens = downsampleRoi(roiRegion, R, side);
    } else {
      // Points and scribbles (3.6): each prompt location adds the top-m locations of its
      // attention map (here the self-affinity of the reference tokens) to the RoI.
      const seeds = promptSeedCells(prompt, image.width, image.height, side);
      if (seeds.length === 0) throw new Error('the prompt has no point inside the reference image');
      const affinity = appendBlocks(n, [tokens.intra.tokens, ...(await contextBlocks(g, tokens.intra.context))]); // whole intra tokens
      const ext = await g.extendPrompt(affinity, affinity.length / n, n, seeds, Math.min(this.extensionTopM, n), this.intraTemperature);
      const grown = new Uint8Array(n);
      for (const s of seeds) grown[s] = 1;
      for (const i of ext.topIndex) grown[i] = 1;
      // The extended prompt still covers parts of the object only. The reference is located like
      // a target, with the extended prompt as its query (S → S′ → candidates → decision), and the
      // RoI becomes the candidates the head keeps, the salient regions under the clicks (click to
      // select), and the prompt's own cells.
      const saliencyOnGrid = await poolSaliency(g, enc, side);
      const clicked = salientRegionsAt(saliencyOnGrid, side, this.head.salientThreshold, seeds);
      const clickedR = upsampleRoi(clicked, side, R);
      const stats: ReferenceStats = {
        area:
          Math.max(
            1,
            clicked.reduce((s, v) => s + v, 0),
          ) / n,
        histogram: labHistogram(await labGrid(image, R), R * R, (i) => clickedR[i] > 0),
      };
      const q = queryAt(tokens.inter.tokens, blocks, n, grown);
      const { gate } = await this.select(q, meanRows(q), stats, tokens, saliencyOnGrid, this.settings.selection);
      roiTokens = new Uint8Array(n);
      for (let i = 0; i < n; i++) roiTokens[i] = (gate[i] > 0.5 && saliencyOnGrid[i] > this.head.salientThreshold) || clicked[i] ? 1 : 0;
      for (const s of seeds) roiTokens[s] = 1;
      roiRegion = andOr(upsampleRoi(roiTokens, side, R), threshold(refSaliency, this.head.salientThreshold));
    }
    if (!roiTokens.some((v) => v)) throw new Error('the reference prompt selects nothing');
    const histogram = labHistogram(await labGrid(image, R), R * R, (i) => roiRegion[i] > 0);
    const area = roiTokens.reduce((s, v) => s + v, 0) / n;
    return { ...queryAt(tokens.inter.tokens, blocks, n, roiTokens), histogram, area };
  }

  /**
   * S (eqs. 2–4) of a query on an image's tokens, S′ (eq. 5) diffused over the image's
   * self-affinity together with the competing "other objects" label, the candidate objects those
   * labels and the saliency give (candidates.ts), and the head's decision on each (selection.ts).
   */
  private async select(
    q: Pick<PreparedReference, 'query' | 'queryContext' | 'K'>,
    prototype: Float32Array[],
    reference: ReferenceStats,
    t: ImageTokens,
    saliencyOnGrid: Float32Array,
    model: HeadModel & { reviewBelow: number },
  ): Promise<TargetSelection> {
    const g = this.backbone.graphSessions;
    const { S, bestCosine } = await g.inter(q.query, q.K, t.inter.tokens, t.inter.tokens.length / t.n, t.n, this.interTemperature, {
      query: q.queryContext,
      target: t.inter.context,
    });
    // Intra-similarity (eq. 5): the self-affinity (appearance + position tokens) spreads the
    // sparse matches S over the object. Reduced as in the authors' code (A·S: every location
    // averages S over what it attends to) and repeated (diffusion) so it reaches the whole object.
    const affinityTokens = withPositionCode(t.intra.tokens, t.side, this.head.positionWeight);
    const diffused = await g.diffuseWithCompetition(
      affinityTokens,
      affinityTokens.length / t.n,
      t.n,
      S,
      saliencyOnGrid,
      {
        temperature: this.intraTemperature,
        steps: this.head.diffusionSteps,
        salientThreshold: this.head.salientThreshold,
        otherLevel: this.head.otherSeedLevel,
      },
      t.intra.context,
    );
    const maps: EvidenceMaps = {
      side: t.side,
      saliency: saliencyOnGrid,
      S,
      nearest: bestCosine,
      prototype: prototypeCosine([t.inter.tokens, ...(await contextBlocks(g, t.inter.context))], prototype, t.n),
      evidence: diffused.evidence,
      other: diffused.seedCount > 0 ? diffused.other : null,
      lab: t.lab,
    };
    const candidates = findCandidates(maps);
    const features = describeCandidates(candidates, maps, reference);
    const decision = decide(candidates, features, model, model.reviewBelow);
    return { maps, candidates, features, decision, gate: gateOf(candidates, decision.keep, t.side), S };
  }

  /** One backbone pass over a target with every feature matte() reads, to share between matte() and saliencyOnly(). */
  async encode(target: RgbImage): Promise<{ enc: EncodedImage; ms: number }> {
    const t0 = performance.now();
    const enc = await this.backbone.encode(target, this.featureIds);
    return { enc, ms: performance.now() - t0 };
  }

  /** Drops an image's kept backbone pass: for a caller that knows the image will not come back (the bench after a group). */
  forget(cacheKey: string): void {
    this.encodings.delete(cacheKey);
  }

  /** encode(), through the kept passes when the image has a key (a kept pass costs no backbone time). */
  private async encodeKept(image: RgbImage, key: string | undefined): Promise<{ enc: EncodedImage; ms: number }> {
    const kept = key === undefined ? undefined : this.encodings.get(key);
    if (kept) return { enc: kept, ms: 0 };
    const fresh = await this.encode(image);
    if (key !== undefined) this.encodings.set(key, fresh.enc);
    return fresh;
  }

  /** In-context matting of one target (reference set must be set). */
  async matte(target: RgbImage, opts: MatteOptions = {}): Promise<MatteResult> {
    const ref = this.reference;
    if (!ref) throw new Error('setReferences() must be called before matte()');
    const g = this.backbone.graphSessions;
    const model = decidingModel(this.settings.selection, opts.heldOutGroup);
    const encoded = opts.encoded ?? (await this.encodeKept(target, opts.cacheKey));
    const enc = encoded.enc;
    const backboneMs = encoded.ms; // 0 for a kept pass
    const t1 = performance.now();

    // Inter- (eqs. 2–4) and intra-similarity (eq. 5) on the inter grid.
    const t = await this.tokensOf(enc, target);
    const { side } = t;
    const sel = await this.select(ref, this.prototype, ref, t, await poolSaliency(g, enc, side), model);
    const intraScales = this.heatmapScales.length
      ? await intraPerScale(g, enc, target, sel.S, side, this.heatmapScales, this.intraTemperature)
      : undefined;
    const t2 = performance.now();

    // Head: keep or drop each candidate object whole (done in select), then the full-resolution alpha.
    const { decision } = sel;
    const t3 = performance.now();
    const [H, W] = enc.modelSize;
    const coarse: CoarseMatte | null =
      decision.kept === 0 ? null : { saliency: enc.saliency, modelSize: [H, W], gate: sel.gate, gateSize: [side, side], input: enc.input };
    const refiner = opts.refine !== undefined ? refinerFor(opts.refine) : this.refiner;
    const alpha = coarse ? await refiner.refine(target, coarse, g) : new Uint8Array(target.width * target.height);
    const t4 = performance.now();
    const timings = stageTimings(backboneMs, t1, t2, t3, t4);
    return matteResult(target, alpha, sel, side, intraScales, coarse, timings, this.settings.keepEvidence ? { ref, enc } : undefined);
  }

  /** The full-resolution alpha of a coarse matte by another refiner (same photo, no second backbone pass). */
  async refineAgain(target: RgbImage, coarse: CoarseMatte | null, refine: RefinerId | AlphaRefiner): Promise<Uint8Array> {
    return coarse ? refinerFor(refine).refine(target, coarse, this.backbone.graphSessions) : new Uint8Array(target.width * target.height);
  }

  /** The automatic baseline: the backbone's saliency alone, no reference (for `icm bench --method isnet-alone`). */
  async saliencyOnly(
    target: RgbImage,
    encoded?: MatteOptions['encoded'],
  ): Promise<Pick<MatteResult, 'width' | 'height' | 'alpha' | 'timings'>> {
    return saliencyOnly(this.backbone, target, encoded);
  }

  async dispose(): Promise<void> {
    await this.backbone.dispose();
  }
}
