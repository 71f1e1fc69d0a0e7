// IconMatting's data flow, end to end: images + prompts → features → S (eq. 4) → S′ (eq. 5) →
// alpha. One InContextMatter serves a whole batch: the backbone is loaded once and the reference
// description (tokens, RoI, regions) is computed once per reference set and cached.
import { createHash } from 'node:crypto';
import { Backbone, type EncodedImage, type FeatureMap, type RgbImage } from './backbone';
import { BoundedCache } from './bounded-cache';
import { describeCandidates, findCandidates, type Candidate, type EvidenceMaps, type ReferenceStats } from './candidates';
import { labHistogram } from './colour';
import { DEFAULT_HEAD_PARAMS, normaliseByMax, type HeadParams } from './head';
import { describePrompt, maskCoverage, promptSeedCells, salientRegionsAt, type Prompt } from './prompt';
import {
  decide,
  defaultSelectionModelPath,
  gateOf,
  loadSelectionModel,
  type Decision,
  type HeadModel,
  type SelectionModel,
} from './selection';
import { ENGINE_REVISION } from '../revision';
import { refinerFor, type AlphaRefiner, type CoarseMatte, type RefinerId } from './refine';
import { intraPerScale } from './scales';
import type { TokenContext } from '../similarity/runner';
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
import { appendBlocks, buildTokens, concatFloat32, labGrid, unitColumns, withPositionCode } from './tokens';

export { DEFAULT_FEATURE_CACHE_BYTES };
export type { EngineResources, MatterOptions, MatteOptions, ReferenceInput, StageTimings, MatteResult, PreparedReferenceHandle };

/** One token set on the token grid: base tokens [D, n] and the context features joined inside the graphs. */
interface TokenSet {
  tokens: Float32Array;
  context: TokenContext;
}

/** An image's inter- and intra-similarity tokens (InContextMatter.tokensOf). */
interface ImageTokens {
  inter: TokenSet;
  intra: TokenSet;
  /** Lab planes [3, n] on the token grid. */
  lab: Float32Array;
  side: number;
  n: number;
}

interface PreparedReference {
  /** In-context query Q: [K, D] base tokens inside the RoI (eqs. 2–3)… */
  query: Float32Array;
  /** …and their context blocks, [K, Cc] each. */
  queryContext: Float32Array[];
  K: number;
  /** Lab histogram of the RoI (colour grid). */
  histogram: Float64Array;
  /** RoI area as a share of the photo. */
  area: number;
}

export class InContextMatter {
  readonly interTemperature: number;
  readonly intraTemperature: number;
  readonly extensionTopM: number;
  readonly head: HeadParams;
  readonly heatmapScales: readonly string[];
  /** Features of the inter-similarity tokens (eqs. 2–4): the first sets the token grid, the rest join as context blocks. */
  private readonly interIds: string[];
  /** Features of the self-affinity tokens (eq. 5), on the same grid: the first with the colour code, the rest as context blocks. */
  private readonly intraIds: string[];
  /** Prepared queries by image + prompt, bounded: an editing session tries many prompts. */
  private readonly referenceCache = new BoundedCache<PreparedReference>(64e6, preparedBytes);
  /** Backbone passes by image key (reference and targets alike: the same image gives the same pass). */
  private readonly encodings: BoundedCache<EncodedImage>;
  private reference: PreparedReference | null = null;
  /** Mean query token (unit blocks joined), for the candidates' prototype cosine. */
  private prototype: Float32Array[] = [];
  private readonly selection: SelectionModel;
  private readonly keepEvidence: boolean;
  readonly refiner: AlphaRefiner;

  private constructor(
    readonly backbone: Backbone,
    opts: MatterOptions,
  ) {
    this.interTemperature = opts.interTemperature ?? 0.02;
    this.intraTemperature = opts.intraTemperature ?? 0.05;
    this.extensionTopM = opts.extensionTopM ?? 48;
    this.head = { ...DEFAULT_HEAD_PARAMS, ...opts.head };
    this.heatmapScales = opts.heatmapScales ?? [];
    for (const id of this.heatmapScales) backbone.feature(id); // fails early on an unknown id
    this.selection =
      typeof opts.selectionModel === 'object'
        ? opts.selectionModel
        : loadSelectionModel(opts.selectionModel ?? defaultSelectionModelPath(opts.modelsDir));
    this.keepEvidence = opts.keepEvidence ?? false;
    this.refiner = refinerFor(opts.refine);
    this.encodings = new BoundedCache(opts.featureCacheBytes ?? DEFAULT_FEATURE_CACHE_BYTES, encodedBytes);
    const d = backbone.pack.manifest.defaults;
    this.interIds = d.inter;
    this.intraIds = d.intra;
  }

  static async create(opts: MatterOptions = {}): Promise<InContextMatter> {
    const { provider, threads, modelsDir } = opts;
    return new InContextMatter(await Backbone.load(opts.pack ?? 'isnet-medium', { provider, threads, modelsDir }), opts);
  }

  get provider(): string {
    return this.backbone.pack.provider;
  }

  /**
   * What this matter's results depend on besides its inputs: the engine code (ENGINE_REVISION), the
   * model pack (id + weights' sha256), the head's parameters and trained selection model, the
   * temperatures and the heatmap scales. Kept results are trusted only under the same revision.
   */
  get revision(): string {
    const { manifest } = this.backbone.pack;
    const parts = {
      code: ENGINE_REVISION,
      pack: manifest.id,
      weights: manifest.model.sha256,
      head: this.head,
      selection: this.selection,
      temperatures: [this.interTemperature, this.intraTemperature, this.extensionTopM],
      features: [this.interIds, this.intraIds, this.heatmapScales],
      refine: this.refiner.id,
    };
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
  }
  get providerNote(): string {
    return this.backbone.pack.providerNote;
  }

  private get featureIds(): string[] {
    return [...new Set([...this.interIds, ...this.intraIds, ...this.heatmapScales])];
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
    const first = enc.features.get(this.interIds[0])!;
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
    const intraBase = await onGrid(enc.features.get(this.intraIds[0])!);
    const lab = await labPending;
    return {
      inter: { tokens: interTokens, context: { maps: maps(this.interIds.slice(1)), grid: [h, w] } },
      intra: { tokens: buildTokens(intraBase, lab), context: { maps: maps(this.intraIds.slice(1)), grid: [h, w] } },
      lab,
      side: w,
      n,
    };
  }

  /** The context blocks materialised on the token grid (unit columns), for the reference's RoI tokens. */
  private async contextBlocks(context: TokenContext): Promise<Float32Array[]> {
    const [H, W] = context.grid;
    const out: Float32Array[] = [];
    for (const f of context.maps) {
      const onGrid =
        f.height === H && f.width === W
          ? f.data
          : await this.backbone.graphSessions.resizeChannels(f.data, f.channels, f.height, f.width, H, W);
      out.push(unitColumns(onGrid, f.channels, H * W));
    }
    return out;
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
    const key = r.cacheKey ? `${r.cacheKey}|${describePrompt(r.prompt)}` : undefined;
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
    const prepared = handles as PreparedReference[];
    if (prepared.length === 1) this.reference = prepared[0];
    else {
      const K = prepared.reduce((s, p) => s + p.K, 0);
      const query = concatFloat32(prepared.map((p) => p.query));
      const queryContext = prepared[0].queryContext.map((_, i) => concatFloat32(prepared.map((p) => p.queryContext[i])));
      const histogram = new Float64Array(prepared[0].histogram.length);
      for (const p of prepared) for (let b = 0; b < histogram.length; b++) histogram[b] += p.histogram[b] / prepared.length;
      const area = prepared.reduce((s, p) => s + p.area, 0) / prepared.length;
      this.reference = { query, queryContext, K, histogram, area };
    }
    this.prototype = meanRows(this.reference);
  }

  private async prepareReference(image: RgbImage, prompt: Prompt, enc: EncodedImage): Promise<PreparedReference> {
    const tokens = await this.tokensOf(enc, image);
    const { side, n } = tokens;
    const blocks = await this.contextBlocks(tokens.inter.context);
    const R = this.head.colourGrid;
    const refSaliency = await this.poolSaliency(enc, R);

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
      const affinity = appendBlocks(n, [tokens.intra.tokens, ...(await this.contextBlocks(tokens.intra.context))]); // whole intra tokens
      const ext = await this.backbone.graphSessions.extendPrompt(
        affinity,
        affinity.length / n,
        n,
        seeds,
        Math.min(this.extensionTopM, n),
        this.intraTemperature,
      );
      const grown = new Uint8Array(n);
      for (const s of seeds) grown[s] = 1;
      for (const i of ext.topIndex) grown[i] = 1;
      // The extended prompt still covers parts of the object only. The reference is located like
      // a target, with the extended prompt as its query (S → S′ → candidates → decision), and the
      // RoI becomes the candidates the head keeps, the salient regions under the clicks (click to
      // select), and the prompt's own cells.
      const saliencyOnGrid = await this.poolSaliency(enc, side);
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
      const { gate } = await this.select(q, meanRows(q), stats, tokens, saliencyOnGrid, this.selection);
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
  ): Promise<{
    maps: EvidenceMaps;
    candidates: Candidate[];
    features: number[][];
    decision: Decision;
    gate: Float32Array;
    S: Float32Array;
  }> {
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
      prototype: prototypeCosine([t.inter.tokens, ...(await this.contextBlocks(t.inter.context))], prototype, t.n),
      evidence: diffused.evidence,
      other: diffused.seedCount > 0 ? diffused.other : null,
      lab: t.lab,
    };
    const candidates = findCandidates(maps);
    const features = describeCandidates(candidates, maps, reference);
    const decision = decide(candidates, features, model, model.reviewBelow);
    return { maps, candidates, features, decision, gate: gateOf(candidates, decision.keep, t.side), S };
  }

  /** The saliency prior pooled to an R×R grid. */
  private async poolSaliency(enc: EncodedImage, R: number): Promise<Float32Array> {
    const [H, W] = enc.modelSize;
    if (H % R || W % R || H !== W) return this.backbone.graphSessions.resize(enc.saliency, H, W, R, R);
    return this.backbone.graphSessions.areaDown(enc.saliency, H, W, H / R);
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
    let model: HeadModel & { reviewBelow: number } = this.selection;
    if (opts.heldOutGroup !== undefined) {
      const fold = this.selection.folds?.[opts.heldOutGroup];
      if (!fold) throw new Error(`the selection model has no leave-group-out model for group "${opts.heldOutGroup}"`);
      model = { ...fold, reviewBelow: this.selection.reviewBelow };
    }
    const encoded = opts.encoded ?? (await this.encodeKept(target, opts.cacheKey));
    const enc = encoded.enc;
    const backboneMs = encoded.ms; // 0 for a kept pass
    const t1 = performance.now();

    // Inter- (eqs. 2–4) and intra-similarity (eq. 5) on the inter grid.
    const t = await this.tokensOf(enc, target);
    const { side } = t;
    const sel = await this.select(ref, this.prototype, ref, t, await this.poolSaliency(enc, side), model);
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
    return {
      width: target.width,
      height: target.height,
      alpha,
      inter: normaliseByMax(sel.S),
      intra: sel.maps.evidence,
      gate: sel.gate,
      gridSize: side,
      kept: decision.kept,
      dropped: decision.dropped,
      confidence: decision.confidence,
      review: decision.review,
      ...(decision.reason ? { reason: decision.reason } : {}),
      intraScales,
      coarse,
      timings: { backboneMs, similarityMs: t2 - t1, headMs: t3 - t2, composeMs: t4 - t3, totalMs: backboneMs + (t4 - t1) },
      ...(this.keepEvidence
        ? {
            evidence: {
              maps: sel.maps,
              reference: { area: ref.area, histogram: ref.histogram },
              candidates: sel.candidates,
              features: sel.features,
              decision,
              prior: { data: enc.saliency, height: H, width: W },
            },
          }
        : {}),
    };
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
    const t0 = performance.now() - (encoded?.ms ?? 0);
    const enc = encoded?.enc ?? (await this.backbone.encode(target, []));
    const t1 = performance.now();
    const [H, W] = enc.modelSize;
    const alpha = await this.backbone.graphSessions.compose(enc.saliency, H, W, new Float32Array([1]), 1, 1, target.height, target.width);
    const t2 = performance.now();
    return {
      width: target.width,
      height: target.height,
      alpha,
      timings: { backboneMs: t1 - t0, similarityMs: 0, headMs: 0, composeMs: t2 - t1, totalMs: t2 - t0 },
    };
  }

  async dispose(): Promise<void> {
    await this.backbone.dispose();
  }
}

/** Bytes held by one backbone pass (BoundedCache of InContextMatter). */
function encodedBytes(enc: EncodedImage): number {
  let bytes = enc.saliency.byteLength + enc.input.byteLength;
  for (const f of enc.features.values()) bytes += f.data.byteLength;
  return bytes;
}

/** Bytes held by one prepared reference. */
function preparedBytes(p: PreparedReference): number {
  return p.query.byteLength + p.queryContext.reduce((s, c) => s + c.byteLength, 0) + p.histogram.byteLength;
}
