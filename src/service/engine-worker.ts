// Engine host: runs inside a worker thread. Loads the model once, keeps the reference features
// cached (InContextMatter caches per image+prompt), and mattes one target per request, writing the
// alpha and the S / S′ heatmaps to the service's result cache.
import { parentPort } from 'node:worker_threads';
import { DEFAULT_MAX_PIXELS, ImageInputError, readImage, writeHeatmapPng, writePngAtomic } from '../engine/io/images';
import { InContextMatter } from '../engine/pipeline/matter';
import { applyCorrection } from '../engine/pipeline/corrections';
import { BoundedCache } from '../engine/pipeline/bounded-cache';
import type { RgbImage } from '../engine/pipeline/backbone';
import type { EngineMatteReply, EngineReadyInfo, EngineReply, EngineRequest } from './engine-protocol';

if (!parentPort) throw new Error('engine-worker must run in a worker thread');
const port = parentPort;
let matter: InContextMatter | null = null;

/** Heatmaps are written at a fixed small size: the UI stretches them over the photo. */
const HEATMAP_SIDE = 256;
/**
 * Scales shown as "S′ per scale" in the app (decoder features of the default pack, coarse → fine).
 * 64² is the fused map itself; a one-step S′ there would add ~0.4 s per target on 2 cores, while
 * 16² and 32² cost a few ms (measured with scratch timing on the fixtures).
 */
const HEATMAP_SCALES = ['d16', 'd32'];
/** The pixel budget of the service that started this host (EngineInit). */
let maxPixels = DEFAULT_MAX_PIXELS;
/**
 * Decoded photos by identity (path + size + mtime): the reference and the open photo are read again
 * on every prompt edit and correction, and decoding a 24 MP JPEG costs about as much as the head.
 * Two 24 MP photos fit; the engine keeps their backbone passes itself (MatterOptions.featureCacheBytes).
 */
const decoded = new BoundedCache<RgbImage>(160e6, (im) => im.rgb.byteLength);
const readKept = (path: string, key: string) => decoded.getOrMake(key, () => readImage(path, { maxPixels }));

async function handle(req: EngineRequest): Promise<unknown> {
  switch (req.type) {
    case 'init': {
      if (matter) await matter.dispose();
      decoded.clear();
      maxPixels = req.init.maxPixels ?? DEFAULT_MAX_PIXELS;
      matter = await InContextMatter.create({
        pack: req.init.pack,
        provider: req.init.provider,
        threads: req.init.threads,
        heatmapScales: HEATMAP_SCALES,
        ...req.init.resources,
      });
      const info: EngineReadyInfo = {
        provider: matter.provider,
        providerNote: matter.providerNote,
        pack: matter.backbone.pack.manifest.id,
        // The heatmap size is the worker's own choice: it is part of what a kept result was made with.
        revision: `${matter.revision}-h${HEATMAP_SIDE}`,
      };
      return info;
    }
    case 'dispose': {
      await matter?.dispose();
      matter = null;
      decoded.clear();
      return null;
    }
    case 'setReferences': {
      if (!matter) throw new Error('engine not initialised');
      const refs = [];
      for (const r of req.refs) refs.push({ image: await readKept(r.path, r.cacheKey), prompt: r.prompt, cacheKey: r.cacheKey });
      await matter.setReferences(refs);
      return null;
    }
    case 'matte': {
      if (!matter) throw new Error('engine not initialised');
      const target = await readKept(req.path, req.cacheKey);
      const r = await matter.matte(target, { cacheKey: req.cacheKey });
      const alpha = req.correction ? applyCorrection(r.alpha, r.width, r.height, req.correction) : r.alpha;
      const protect = new Set(req.protect);
      await writePngAtomic(`${req.outStem}.alpha.png`, alpha, r.width, r.height, 1, { protect });
      await writeHeatmapPng(`${req.outStem}.inter.png`, r.inter, r.gridSize, r.gridSize, HEATMAP_SIDE, HEATMAP_SIDE, { protect });
      await writeHeatmapPng(`${req.outStem}.intra.png`, r.intra, r.gridSize, r.gridSize, HEATMAP_SIDE, HEATMAP_SIDE, { protect });
      for (const sc of r.intraScales ?? [])
        await writeHeatmapPng(`${req.outStem}.intra@${sc.id}.png`, sc.map, sc.side, sc.side, HEATMAP_SIDE, HEATMAP_SIDE, { protect });
      const scales = (r.intraScales ?? []).map((sc) => ({ id: sc.id, side: sc.side }));
      const reply: EngineMatteReply = {
        width: r.width,
        height: r.height,
        gridSize: r.gridSize,
        kept: r.kept,
        dropped: r.dropped,
        confidence: r.confidence,
        review: r.review,
        ...(r.reason ? { reason: r.reason } : {}),
        scales,
        timings: r.timings,
      };
      return reply;
    }
  }
}

// One request at a time, in order: the engine is single-stream (onnxruntime uses the cores).
let chain = Promise.resolve();
/** Set when 'dispose' arrives (not when its turn comes): the queued requests are refused at once. */
let closing = false;
port.on('message', (req: EngineRequest) => {
  if (req.type === 'dispose') closing = true;
  chain = chain.then(async () => {
    let reply: EngineReply;
    try {
      if (closing && req.type !== 'dispose') throw new Error('the engine host is closing');
      reply = { id: req.id, ok: true, result: await handle(req) };
    } catch (e) {
      const msg = (e as Error)?.message ?? String(e);
      reply = { id: req.id, ok: false, error: msg.split('\n')[0], code: e instanceof ImageInputError ? 'input' : 'engine' };
    }
    port.postMessage(reply);
  });
});
