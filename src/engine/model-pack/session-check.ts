// A check that the ONNX graph really has the inputs and outputs its manifest promises.

import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { displayPath } from './assemble';
import { ModelPackError, sessionOutputName, type ModelPackManifest } from './manifest';

type Meta = ort.InferenceSession.ValueMetadata;

function shapeOf(m: Meta): readonly (number | string)[] | null {
  return m.isTensor ? m.shape : null;
}

const fmtShape = (s: readonly (number | string)[]) => `[${s.map((d) => (typeof d === 'number' ? d : d || '?')).join(', ')}]`;

/**
 * Check that the session's graph has the manifest's input (name, float32, [N,3,H,W]) and every
 * declared output with the declared channel count / spatial size. Symbolic dimensions are accepted.
 */
export function validateSession(session: ort.InferenceSession, manifest: ModelPackManifest, manifestFile: string, modelFile: string): void {
  const mf = displayPath(manifestFile);
  const model = path.basename(modelFile);
  const fail = (field: string, msg: string): never => {
    throw new ModelPackError('GRAPH_MISMATCH', `${mf}: ${field} ${msg}`, { file: manifestFile, field });
  };
  const inputs = new Map(session.inputMetadata.map((m) => [m.name, m] as const));
  const outputs = new Map(session.outputMetadata.map((m) => [m.name, m] as const));
  const list = (m: Map<string, Meta>) => {
    const names = [...m.keys()];
    return names.length > 12 ? `${names.slice(0, 12).join(', ')}, … (${names.length} total)` : names.join(', ');
  };
  const [H, W] = manifest.input.size;

  // input
  const inp = inputs.get(manifest.input.name);
  if (!inp) fail('input.name', `"${manifest.input.name}" is not an input of ${model} (inputs: ${list(inputs)})`);
  const ishape = shapeOf(inp!);
  if (!ishape) fail('input.name', `"${manifest.input.name}" is not a tensor input in ${model}`);
  if (inp!.isTensor && inp!.type !== 'float32')
    fail('input.name', `"${manifest.input.name}" is ${inp!.type} in ${model}, expected float32`);
  if (ishape!.length > 0) {
    if (ishape!.length !== 4)
      fail('input.size', `does not fit ${model}: input "${inp!.name}" has shape ${fmtShape(ishape!)}, expected [1, 3, ${H}, ${W}]`);
    const want = [1, 3, H, W];
    ishape!.forEach((d, i) => {
      if (typeof d === 'number' && d !== want[i]) {
        const field = i === 1 ? 'input.mean' : i >= 2 ? 'input.size' : 'input.name';
        fail(field, `does not fit ${model}: input "${inp!.name}" has shape ${fmtShape(ishape!)}, expected [1, 3, ${H}, ${W}]`);
      }
    });
  }

  // Every declared output must exist and be a float32 tensor (the head consumes Float32Array data).
  const getOut = (field: string, name: string): readonly (number | string)[] => {
    const m = outputs.get(name);
    if (!m) return fail(field, `"${name}" is not an output of ${model} (outputs: ${list(outputs)})`);
    if (!m.isTensor) return fail(field, `"${name}" is not a tensor output in ${model}`);
    if (m.type !== 'float32') return fail(field, `"${name}" is ${m.type} in ${model}; declared outputs must be float32`);
    return m.shape;
  };

  // saliency
  if (manifest.outputs.saliency) {
    const s = getOut('outputs.saliency.name', manifest.outputs.saliency.name);
    if (s.length === 4 && typeof s[1] === 'number' && s[1] !== 1)
      fail('outputs.saliency.name', `"${manifest.outputs.saliency.name}" has ${s[1]} channels in ${model}, expected 1`);
  }

  // features: [N, C, H/stride, W/stride]
  manifest.outputs.features.forEach((f, i) => {
    const p = `outputs.features[${i}]`;
    const s = getOut(`${p}.name`, sessionOutputName(f));
    if (s.length === 0) return; // unknown rank: nothing to check
    if (s.length !== 4) fail(`${p}.name`, `"${f.name}" has shape ${fmtShape(s)} in ${model}, expected a 4-D [1, C, h, w] feature map`);
    if (typeof s[1] === 'number' && s[1] !== f.channels)
      fail(`${p}.channels`, `is ${f.channels} but output "${f.name}" (${f.id}) has ${s[1]} channels in ${model} (shape ${fmtShape(s)})`);
    const okDim = (d: number | string, full: number) =>
      typeof d !== 'number' || d === Math.floor(full / f.stride) || d === Math.ceil(full / f.stride);
    if (!okDim(s[2], H) || !okDim(s[3], W)) {
      fail(
        `${p}.stride`,
        `is ${f.stride} but output "${f.name}" (${f.id}) is ${s[2]}x${s[3]} in ${model}, i.e. not input ${H}x${W} / ${f.stride}`,
      );
    }
  });

  // attention: last dimension = tokens
  manifest.outputs.attention.forEach((a, i) => {
    const p = `outputs.attention[${i}]`;
    const s = getOut(`${p}.name`, a.name);
    const last = s[s.length - 1];
    if (s.length > 0 && typeof last === 'number' && last !== a.tokens)
      fail(`${p}.tokens`, `is ${a.tokens} but output "${a.name}" (${a.id}) has shape ${fmtShape(s)} in ${model}`);
  });
}
