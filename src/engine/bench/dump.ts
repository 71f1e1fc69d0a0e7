// What the head read for one benchmark target, written for the selection model's training
// (scripts/train-head.ts): the evidence maps on the token grid, the reference statistics and the
// truth alpha pooled to the same grid (stretched like the model input). Candidates and their
// features are recomputed from the maps by the trainer, so a change of features needs no new dump.
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import sharp from 'sharp';
import type { EvidenceMaps, ReferenceStats } from '../pipeline/candidates';
import { writeFileAtomic } from '../io/images';

export interface DumpMeta {
  set: string;
  group: string;
  groupKey: string;
  /** Other subjects' keys in the photo (generated composites), so leave-group-out can exclude them too. */
  involves?: string[];
  target: string;
  /** Absolute paths of the target's truth alpha and of the saliency prior (float32 at the model's size, gzip). */
  truthPath: string;
  priorPath: string;
  width: number;
  height: number;
  sad: number;
}

export interface EvidenceDump {
  meta: DumpMeta;
  maps: EvidenceMaps;
  reference: ReferenceStats;
  /** The truth alpha pooled to the grid, [0, 1]. */
  truth: Float32Array;
}

const f32 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const fromF32 = (s: string) => new Float32Array(new Uint8Array(Buffer.from(s, 'base64')).buffer);

export async function writeEvidenceDump(
  file: string,
  meta: DumpMeta,
  ev: { maps: EvidenceMaps; reference: ReferenceStats; prior: { data: Float32Array; height: number; width: number } },
): Promise<void> {
  const { side } = ev.maps;
  await fsp.mkdir(dirname(file), { recursive: true });
  const header = Buffer.from(Uint32Array.of(ev.prior.width, ev.prior.height).buffer);
  await writeFileAtomic(
    meta.priorPath,
    gzipSync(Buffer.concat([header, Buffer.from(ev.prior.data.buffer, ev.prior.data.byteOffset, ev.prior.data.byteLength)])),
  );
  const bytes = await sharp(meta.truthPath).extractChannel(0).resize(side, side, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  const truth = Float32Array.from(bytes, (v) => v / 255);
  const m = ev.maps;
  const json = {
    meta,
    side,
    maps: {
      saliency: f32(m.saliency),
      S: f32(m.S),
      nearest: f32(m.nearest),
      prototype: f32(m.prototype),
      evidence: f32(m.evidence),
      other: m.other ? f32(m.other) : null,
      lab: f32(m.lab),
    },
    reference: { area: ev.reference.area, histogram: Array.from(ev.reference.histogram) },
    truth: f32(truth),
  };
  await writeFileAtomic(file, Buffer.from(JSON.stringify(json)));
}

/** The saliency prior of a dump, [0, 1] at the model's size (gzip of width, height as uint32 and the float32 map). */
export async function readPrior(path: string): Promise<{ data: Float32Array; width: number; height: number }> {
  const bytes = new Uint8Array(gunzipSync(await fsp.readFile(path)));
  const [width, height] = new Uint32Array(bytes.buffer, 0, 2);
  return { data: new Float32Array(bytes.buffer, 8, width * height), width, height };
}

export async function readEvidenceDump(file: string): Promise<EvidenceDump> {
  const j = JSON.parse(await fsp.readFile(file, 'utf8'));
  const mp = j.maps;
  return {
    meta: j.meta,
    maps: {
      side: j.side,
      saliency: fromF32(mp.saliency),
      S: fromF32(mp.S),
      nearest: fromF32(mp.nearest),
      prototype: fromF32(mp.prototype),
      evidence: fromF32(mp.evidence),
      other: mp.other ? fromF32(mp.other) : null,
      lab: fromF32(mp.lab),
    },
    reference: { area: j.reference.area, histogram: Float64Array.from(j.reference.histogram) },
    truth: fromF32(j.truth),
  };
}
