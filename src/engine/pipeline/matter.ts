// IconMatting's data flow, end to end: images + prompts → features → S (eq. 4) → S′ (eq. 5) →
// alpha. One InContextMatter serves a whole batch: the backbone is loaded once and the reference
// description (tokens, RoI, regions) is computed once per reference set and cached.
import type { ProviderRequest } from '../model-pack/load';
import { Backbone, type EncodedImage, type FeatureMap, type RgbImage } from './backbone';
import { labHistogram } from './colour';
import { competitionGate, DEFAULT_HEAD_PARAMS, normaliseByMax, colourAgreement, recoverMissedParts, restoreEnclosedParts, type HeadParams, type SelectionKind } from './head';
import { describePrompt, maskCoverage, promptSeedCells, salientRegionsAt, type Prompt } from './prompt';
import { intraPerScale, type ScaleMap } from './scales';
import type { TokenContext } from '../similarity/runner';
import { appendBlocks, buildTokens, concatFloat32, gatherQuery, labGrid, unitColumns, withPositionCode } from './tokens';

export interface MatterOptions {
  /** Model pack id or folder (default "isnet-medium"). */
  pack?: string;
  provider?: ProviderRequest;
  threads?: number;
  /** τ of the inter-similarity softmax (eq. 4). */
  interTemperature?: number;
  /** τ of the self-affinity softmax standing in for attention (eq. 5). */
  intraTemperature?: number;
  /** Prompt extension (3.6): locations added per prompt point. */
  extensionTopM?: number;
  head?: Partial<HeadParams>;
  /**
   * Feature ids at which to also compute S′ for display (MatteResult.intraScales), e.g.
   * ["d16", "d32", "d64"]; default none (the batch CLI and the benchmark don't pay for them).
   */
  heatmapScales?: string[];
}

export interface ReferenceInput {
  image: RgbImage;
  prompt: Prompt;
  /** Identity of the image for the cache (e.g. path + mtime); defaults to no caching across calls. */
  cacheKey?: string;
}

export interface StageTimings {
  backboneMs: number;
  similarityMs: number;
  headMs: number;
  composeMs: number;
  totalMs: number;
}

export interface MatteResult {
  width: number;
  height: number;
  /** 8-bit alpha, width·height, same size as the target. */
  alpha: Uint8Array;
  /** Inter-similarity S (eq. 4) on the inter grid, max-normalised to [0, 1]. */
  inter: Float32Array;
  /** Intra-similarity S′ (eq. 5, diffused over the target's self-affinity), max-normalised. */
  intra: Float32Array;
  /** The head's gate (where the referenced object is), same grid. */
  gate: Float32Array;
  gridSize: number;
  selection: SelectionKind;
  /**
   * Share of the kept object's area that the head added where the saliency prior had nothing
   * (parts it missed, head.ts recoverMissedParts); 0 when nothing was missed.
   */
  recovered: number;
  /** Colour agreement (histogram intersection, 0..1) of the kept region with the reference RoI. */
  agreement: number;
  timings: StageTimings;
  /** S′ per scale (eq. 5, one step) when MatterOptions.heatmapScales asks for it. */
  intraScales?: ScaleMap[];
  confidence?: number;
  review?: boolean;
  kept?: number;
  dropped?: number;
  reason?: string;
}

/** One token set on the token grid: base tokens [D, n] and the context features joined inside the graphs. */
interface TokenSet {
  tokens: Float32Array;
  context: TokenContext;
}

/** An image's inter- and intra-similarity tokens (InContextMatter.tokensOf). */
interface ImageTokens {
  inter: TokenSet;
  intra: TokenSet;
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
  private readonly referenceCache = new Map<string, PreparedReference>();
  private reference: PreparedReference | null = null;

  private constructor(readonly backbone: Backbone, opts: MatterOptions) {
    this.interTemperature = opts.interTemperature ?? 0.02;
    this.intraTemperature = opts.intraTemperature ?? 0.05;
    this.extensionTopM = opts.extensionTopM ?? 48;
    this.head = { ...DEFAULT_HEAD_PARAMS, ...opts.head };
    this.heatmapScales = opts.heatmapScales ?? [];
    for (const id of this.heatmapScales) backbone.feature(id); // fails early on an unknown id
    if (process.env.ICM_HEAD_PARAMS) Object.assign(this.head, parseHeadOverrides(process.env.ICM_HEAD_PARAMS)); // experiments only
    const d = backbone.pack.manifest.defaults;
    this.interIds = d.inter;
    this.intraIds = d.intra;
  }

  static async create(opts: MatterOptions = {}): Promise<InContextMatter> {
    return new InContextMatter(await Backbone.load(opts.pack ?? 'isnet-medium', { provider: opts.provider, threads: opts.threads }), opts);
  }

  get provider(): string {
    return this.backbone.pack.provider;
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
      f.height === h && f.width === w ? f : { ...f, height: h, width: w, data: await this.backbone.graphSessions.resizeChannels(f.data, f.channels, f.height, f.width, h, w) };
    const maps = (ids: string[]) => ids.map((id) => enc.features.get(id)!);
    const intraBase = await onGrid(enc.features.get(this.intraIds[0])!);
    return {
      inter: { tokens: unitColumns(first.data, first.channels, n), context: { maps: maps(this.interIds.slice(1)), grid: [h, w] } },
      intra: { tokens: buildTokens(intraBase, await labGrid(image, w)), context: { maps: maps(this.intraIds.slice(1)), grid: [h, w] } },
      side: w,
      n,
    };
  }

  /** The context blocks materialised on the token grid (unit columns), for the reference's RoI tokens. */
  private async contextBlocks(context: TokenContext): Promise<Float32Array[]> {
    const [H, W] = context.grid;
    const out: Float32Array[] = [];
    for (const f of context.maps) {
      const onGrid = f.height === H && f.width === W ? f.data : await this.backbone.graphSessions.resizeChannels(f.data, f.channels, f.height, f.width, H, W);
      out.push(unitColumns(onGrid, f.channels, H * W));
    }
    return out;
  }

  /** Sets the reference set for the following targets (several references: union of queries, Table 6). */
  async setReferences(refs: ReferenceInput[]): Promise<void> {
    if (refs.length === 0) throw new Error('at least one reference is needed');
    const prepared: PreparedReference[] = [];
    for (const r of refs) {
      const key = r.cacheKey ? `${r.cacheKey}|${describePrompt(r.prompt)}` : undefined;
      let p = key ? this.referenceCache.get(key) : undefined;
      if (!p) {
        p = await this.prepareReference(r.image, r.prompt);
        if (key) this.referenceCache.set(key, p);
      }
      prepared.push(p);
    }
    if (prepared.length === 1) {
      this.reference = prepared[0];
      return;
    }
    const K = prepared.reduce((s, p) => s + p.K, 0);
    const query = concatFloat32(prepared.map((p) => p.query));
    const queryContext = prepared[0].queryContext.map((_, i) => concatFloat32(prepared.map((p) => p.queryContext[i])));
    const histogram = new Float64Array(prepared[0].histogram.length);
    for (const p of prepared) for (let b = 0; b < histogram.length; b++) histogram[b] += p.histogram[b] / prepared.length;
    this.reference = { query, queryContext, K, histogram };
  }

  private async prepareReference(image: RgbImage, prompt: Prompt): Promise<PreparedReference> {
    const enc = await this.backbone.encode(image, this.featureIds);
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
      const ext = await this.backbone.graphSessions.extendPrompt(affinity, affinity.length / n, n, seeds, Math.min(this.extensionTopM, n), this.intraTemperature);
      const grown = new Uint8Array(n);
      for (const s of seeds) grown[s] = 1;
      for (const i of ext.topIndex) grown[i] = 1;
      // The extended prompt still covers parts of the object only. The reference is located like
      // a target, with the extended prompt as its query (S → S′ → gate), and the RoI becomes the
      // salient area the head gives to the object, the salient regions under the clicks (click to
      // select), and the prompt's own cells.
      const saliencyOnGrid = await this.poolSaliency(enc, side);
      const { gate } = await this.locate(queryAt(tokens.inter.tokens, blocks, n, grown), tokens, saliencyOnGrid);
      const clicked = salientRegionsAt(saliencyOnGrid, side, this.head.salientThreshold, seeds);
      roiTokens = new Uint8Array(n);
      for (let i = 0; i < n; i++) roiTokens[i] = (gate[i] > 0.5 && saliencyOnGrid[i] > this.head.salientThreshold) || clicked[i] ? 1 : 0;
      for (const s of seeds) roiTokens[s] = 1;
      roiRegion = andOr(upsampleRoi(roiTokens, side, R), threshold(refSaliency, this.head.salientThreshold));
    }
    if (!roiTokens.some((v) => v)) throw new Error('the reference prompt selects nothing');
    const histogram = labHistogram(await labGrid(image, R), R * R, (i) => roiRegion[i] > 0);
    return { ...queryAt(tokens.inter.tokens, blocks, n, roiTokens), histogram };
  }

  /**
   * S (eqs. 2–4) of a query on an image's tokens, S′ (eq. 5) diffused over the image's
   * self-affinity together with the competing "other objects" label, and the head's gate (head.ts
   * steps 1–4), all on the inter grid. `objectCut` says whether the gate still removes part of
   * the salient area (another object) after the enclosed parts are given back; `missed` holds the
   * object parts the saliency prior missed, when there are any worth filling.
   */
  private async locate(
    q: Pick<PreparedReference, 'query' | 'queryContext' | 'K'>,
    t: ImageTokens,
    saliencyOnGrid: Float32Array,
  ): Promise<{ S: Float32Array; evidence: Float32Array; gate: Float32Array; objectCut: boolean; missed: ReturnType<typeof recoverMissedParts> }> {
    const g = this.backbone.graphSessions;
    const { S } = await g.inter(q.query, q.K, t.inter.tokens, t.inter.tokens.length / t.n, t.n, this.interTemperature, { query: q.queryContext, target: t.inter.context });
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
      { temperature: this.intraTemperature, steps: this.head.diffusionSteps, salientThreshold: this.head.salientThreshold, otherLevel: this.head.otherSeedLevel },
      t.intra.context,
    );
    // A photo with no competing salient object (no seeds) keeps all of its salient area.
    const competed = competitionGate(diffused.evidence, diffused.seedCount > 0 ? diffused.other : null, this.head);
    const restored = restoreEnclosedParts(competed, saliencyOnGrid, t.side, this.head).gate;
    const objectCut = restored.some((v, i) => v <= 0.5 && saliencyOnGrid[i] > this.head.salientThreshold);
    // Nothing left cut: keep the whole salient area, its soft edges included (the competition may
    // have claimed edge locations below the salient threshold for a label that no longer exists).
    let gate = objectCut ? restored : new Float32Array(restored.length).fill(1);
    // Parts the saliency missed altogether (head step 4). A region cut only because it bordered
    // such a part (the lettering on a white bowl) is given back once the part counts as kept.
    const missed = recoverMissedParts(gate, saliencyOnGrid, diffused.evidence, t.side, this.head);
    if (missed) gate = restoreEnclosedParts(gate, saliencyOnGrid.map((v, i) => (missed.fill[i] ? 1 : v)), t.side, this.head).gate;
    return { S, evidence: diffused.evidence, gate, objectCut, missed };
  }

  /** The saliency prior pooled to an R×R grid. */
  private async poolSaliency(enc: EncodedImage, R: number): Promise<Float32Array> {
    const [H, W] = enc.modelSize;
    if (H % R || W % R || H !== W) return this.backbone.graphSessions.resize(enc.saliency, H, W, R, R);
    return this.backbone.graphSessions.areaDown(enc.saliency, H, W, H / R);
  }

  /** In-context matting of one target (reference set must be set). */
  async matte(target: RgbImage): Promise<MatteResult> {
    const ref = this.reference;
    if (!ref) throw new Error('setReferences() must be called before matte()');
    const g = this.backbone.graphSessions;
    const t0 = performance.now();
    const enc = await this.backbone.encode(target, this.featureIds);
    const t1 = performance.now();

    // Inter- (eqs. 2–4) and intra-similarity (eq. 5) on the inter grid, and the head's gate.
    const t = await this.tokensOf(enc, target);
    const { side, n } = t;
    const { S, evidence, gate, objectCut, missed } = await this.locate(ref, t, await this.poolSaliency(enc, side));
    const intraScales = this.heatmapScales.length ? await intraPerScale(g, enc, target, S, side, this.heatmapScales, this.intraTemperature) : undefined;
    const t2 = performance.now();

    // Head: colour agreement of the kept region (shown to the user), full-resolution alpha.
    const R = this.head.colourGrid;
    const agreement = colourAgreement(await labGrid(target, R), await this.poolSaliency(enc, R), await g.resize(gate, side, side, R, R), ref.histogram, this.head);
    const t3 = performance.now();
    const [H, W] = enc.modelSize;
    const alpha = await g.compose(enc.saliency, H, W, gate, side, side, target.height, target.width, missed?.fill);
    const t4 = performance.now();
    return {
      width: target.width,
      height: target.height,
      alpha,
      inter: normaliseByMax(S),
      intra: evidence,
      gate,
      gridSize: side,
      selection: objectCut ? 'object' : 'whole-salient',
      recovered: missed?.recovered ?? 0,
      agreement,
      intraScales,
      timings: { backboneMs: t1 - t0, similarityMs: t2 - t1, headMs: t3 - t2, composeMs: t4 - t3, totalMs: t4 - t0 },
    };
  }

  /** The automatic baseline: the backbone's saliency alone, no reference (for `icm bench --method isnet-alone`). */
  async saliencyOnly(target: RgbImage): Promise<Pick<MatteResult, 'width' | 'height' | 'alpha' | 'timings'>> {
    const t0 = performance.now();
    const enc = await this.backbone.encode(target, []);
    const t1 = performance.now();
    const [H, W] = enc.modelSize;
    const alpha = await this.backbone.graphSessions.compose(enc.saliency, H, W, new Float32Array([1]), 1, 1, target.height, target.width);
    const t2 = performance.now();
    return { width: target.width, height: target.height, alpha, timings: { backboneMs: t1 - t0, similarityMs: 0, headMs: 0, composeMs: t2 - t1, totalMs: t2 - t0 } };
  }

  async dispose(): Promise<void> {
    await this.backbone.dispose();
  }
}

/** The query (eqs. 2–3) of the tokens at the marked locations: base rows and context-block rows. */
function queryAt(base: Float32Array, blocks: Float32Array[], n: number, marked: Uint8Array): Pick<PreparedReference, 'query' | 'queryContext' | 'K'> {
  const locations: number[] = [];
  for (let i = 0; i < n; i++) if (marked[i]) locations.push(i);
  return {
    query: gatherQuery(base, base.length / n, n, locations),
    queryContext: blocks.map((b) => gatherQuery(b, b.length / n, n, locations)),
    K: locations.length,
  };
}

function threshold(map: Float32Array, t: number): Uint8Array {
  const out = new Uint8Array(map.length);
  for (let i = 0; i < map.length; i++) out[i] = map[i] > t ? 1 : 0;
  return out;
}


/** a ∧ b, or a alone when the intersection is empty (the prompt wins over the saliency prior). */
function andOr(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  let any = false;
  for (let i = 0; i < a.length; i++) if ((out[i] = a[i] & b[i])) any = true;
  return any ? out : a;
}

function rasterBox(box: [number, number, number, number], width: number, height: number): Uint8Array {
  const [x0, y0, x1, y1] = box;
  const m = new Uint8Array(width * height);
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(height, Math.ceil(y1)); y++)
    m.fill(1, y * width + Math.max(0, Math.floor(x0)), y * width + Math.min(width, Math.ceil(x1)));
  return m;
}

function upsampleRoi(roi: Uint8Array, side: number, R: number): Uint8Array {
  const out = new Uint8Array(R * R);
  for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) out[y * R + x] = roi[Math.floor((y * side) / R) * side + Math.floor((x * side) / R)];
  return out;
}

function downsampleRoi(roi: Uint8Array, R: number, side: number): Uint8Array {
  const f = R / side;
  const cover = new Float32Array(side * side);
  for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) cover[Math.floor(y / f) * side + Math.floor(x / f)] += roi[y * R + x] / (f * f);
  const out = threshold(cover, 0.5);
  return out.some((v) => v) ? out : threshold(cover, 0);
}

/** ICM_HEAD_PARAMS: a JSON object of numeric HeadParams overrides (for experiments). */
function parseHeadOverrides(json: string): Partial<HeadParams> {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new Error(`ICM_HEAD_PARAMS is not valid JSON: ${json}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('ICM_HEAD_PARAMS must be a JSON object');
  for (const [k, x] of Object.entries(v)) {
    if (!(k in DEFAULT_HEAD_PARAMS)) throw new Error(`ICM_HEAD_PARAMS: unknown head parameter "${k}"`);
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`ICM_HEAD_PARAMS: ${k} must be a number`);
  }
  return v as Partial<HeadParams>;
}
