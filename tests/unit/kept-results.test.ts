// Kept results without the model: the content-hash index (a photo is read again only when its size
// or mtime changed) and the entries on disk (validated on read, pruned per photo, copied whole).
// Real files in a temp folder; the end-to-end behaviour with the engine is tests/e2e/kept-results.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ContentHashes, HASH_INDEX_FILE, sha256OfFile } from '../../src/service/content-hash';
import { KEPT_PER_PHOTO, KeptResults, keptFolderOf, type KeptEntry } from '../../src/service/kept-results';

let tmp: string;
before(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(join(os.tmpdir(), 'icm-kept-unit-')));
});
after(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

const entry = (key: string): KeptEntry => ({
  key,
  width: 4,
  height: 3,
  result: {
    kept: 1,
    dropped: 2,
    confidence: 0.75,
    review: true,
    reason: 'two objects look alike',
    gridSize: 64,
    scales: [{ id: 'd16', side: 16 }],
    timings: { backboneMs: 1, similarityMs: 2, headMs: 3, composeMs: 4, totalMs: 10 },
  },
});

/** Stands in for the engine's images of an entry (the store only checks their sizes). */
async function writeImages(stem: string, bytes = 100): Promise<void> {
  for (const s of ['alpha', 'inter', 'intra', 'intra@d16']) await fsp.writeFile(`${stem}.${s}.png`, Buffer.alloc(bytes, 7));
}

describe('ContentHashes', () => {
  it('hashes by streaming, remembers per path + size + mtime in the folder index, re-reads a changed file only', async () => {
    const dir = join(tmp, 'hash');
    await fsp.mkdir(dir);
    const a = join(dir, 'a.jpg');
    const b = join(dir, 'b.jpg');
    await fsp.writeFile(a, Buffer.alloc(3 << 20, 1)); // 3 MiB: more than one read chunk
    await fsp.writeFile(b, 'bbb');
    const h = new ContentHashes();
    await h.useFolder(dir);
    assert.equal(
      await h.of(a),
      createHash('sha256')
        .update(Buffer.alloc(3 << 20, 1))
        .digest('hex'),
    );
    assert.equal(await h.of(b), await sha256OfFile(b));
    assert.equal(h.hashed, 2);
    await h.of(a);
    assert.equal(h.hashed, 2, 'known: not read again');
    await h.flush();

    const reopened = new ContentHashes();
    await reopened.useFolder(dir);
    assert.equal(await reopened.of(a), await sha256OfFile(a));
    assert.equal(await reopened.of(b), await sha256OfFile(b));
    assert.equal(reopened.hashed, 0, 'a reopened project reads no unchanged photo');
    await fsp.writeFile(b, 'changed');
    assert.equal(await reopened.of(b), await sha256OfFile(b));
    assert.equal(reopened.hashed, 1, 'a changed file is read again');
    // A copy elsewhere: a new path, hashed once, same content hash.
    await fsp.copyFile(a, join(dir, 'copy.jpg'));
    assert.equal(await reopened.of(join(dir, 'copy.jpg')), await reopened.of(a));
  });

  it('a damaged index is ignored (every photo is hashed again), never trusted', async () => {
    const dir = join(tmp, 'hash-bad');
    await fsp.mkdir(dir);
    const a = join(dir, 'a.jpg');
    await fsp.writeFile(a, 'aaa');
    const st = await fsp.stat(a);
    await fsp.writeFile(
      join(dir, HASH_INDEX_FILE),
      JSON.stringify({ entries: { [a]: { size: st.size, mtimeMs: st.mtimeMs, sha256: 'nothex' } } }),
    );
    const h = new ContentHashes();
    await h.useFolder(dir);
    assert.equal(await h.of(a), await sha256OfFile(a));
    await fsp.writeFile(join(dir, HASH_INDEX_FILE), '{"entries": {"');
    const h2 = new ContentHashes();
    await h2.useFolder(dir);
    assert.equal(await h2.of(a), await sha256OfFile(a));
    assert.equal(h2.hashed, 1);
  });
});

describe('KeptResults', () => {
  const photo = 'ab'.repeat(32);

  it('the folder sits beside the project file', () => {
    assert.equal(keptFolderOf('/p/shoot.icmproj'), '/p/shoot.icm-cache');
    assert.equal(keptFolderOf('/p/Shoot.ICMPROJ'), '/p/Shoot.icm-cache');
  });

  it('reads back what it wrote under the same key only; a truncated image, a cut .json or a missing image is not trusted', async () => {
    const kept = new KeptResults(join(tmp, 'fallback'));
    await kept.useFolder(join(tmp, 'store'));
    const stem = kept.stemFor(photo, 'key-1');
    assert.ok(stem.startsWith(join(tmp, 'store', photo.slice(0, 20))));
    assert.notEqual(kept.stemFor(photo, 'key-2'), stem);
    await writeImages(stem);
    await kept.write(stem, entry('key-1'), new Set());
    assert.deepEqual(await kept.read(stem, 'key-1'), entry('key-1'));
    assert.equal(await kept.read(stem, 'key-2'), null, 'another key');
    await fsp.truncate(`${stem}.intra@d16.png`, 50);
    assert.equal(await kept.read(stem, 'key-1'), null, 'a truncated image');
    await writeImages(stem);
    assert.ok(await kept.read(stem, 'key-1'));
    await fsp.rm(`${stem}.inter.png`);
    assert.equal(await kept.read(stem, 'key-1'), null, 'a missing image');
    await writeImages(stem);
    const json = await fsp.readFile(`${stem}.json`, 'utf8');
    await fsp.writeFile(`${stem}.json`, json.slice(0, json.length - 5));
    assert.equal(await kept.read(stem, 'key-1'), null, 'a cut .json');
    await fsp.writeFile(`${stem}.json`, json.replace('"confidence":0.75', '"confidence":"high"'));
    assert.equal(await kept.read(stem, 'key-1'), null, 'a .json with a wrong field');
    await fsp.writeFile(`${stem}.json`, json);
    await kept.forget(stem);
    assert.equal(await kept.read(stem, 'key-1'), null, 'forgotten before a recompute');
  });

  it(`keeps the newest ${KEPT_PER_PHOTO} entries per photo content, and any entry still shown`, async () => {
    const kept = new KeptResults(join(tmp, 'fallback'));
    await kept.useFolder(join(tmp, 'prune'));
    const stems: string[] = [];
    for (let i = 0; i < KEPT_PER_PHOTO + 2; i++) {
      const stem = kept.stemFor(photo, `k${i}`);
      stems.push(stem);
      await writeImages(stem);
      await kept.write(stem, entry(`k${i}`), new Set([stems[0]]));
      await new Promise((r) => setTimeout(r, 15)); // distinct mtimes
    }
    const other = kept.stemFor('cd'.repeat(32), 'k0');
    await writeImages(other);
    await kept.write(other, entry('k0'), new Set());
    const alive: number[] = [];
    for (const [i, s] of stems.entries()) if (await kept.read(s, `k${i}`)) alive.push(i);
    assert.deepEqual(alive, [0, ...Array.from({ length: KEPT_PER_PHOTO }, (_, j) => j + 2)], 'oldest pruned, the one in use kept');
    assert.ok(await kept.read(other, 'k0'), 'another photo is not pruned');
    const left = await fsp.readdir(join(tmp, 'prune'));
    assert.ok(!left.some((n) => n.startsWith(stems[1].split('/').at(-1)!)), 'no file of the pruned entry left');
  });

  it('adopt copies a whole entry into the current folder (a project saved elsewhere)', async () => {
    const kept = new KeptResults(join(tmp, 'fallback'));
    await kept.useFolder(null);
    const stem = kept.stemFor(photo, 'k');
    await writeImages(stem);
    await kept.write(stem, entry('k'), new Set());
    await kept.useFolder(join(tmp, 'project.icm-cache'));
    const here = await kept.adopt(stem, 'k');
    assert.equal(here, kept.stemFor(photo, 'k'));
    assert.ok(here!.startsWith(join(tmp, 'project.icm-cache')));
    assert.deepEqual(await kept.read(here!, 'k'), entry('k'));
    assert.equal(await kept.adopt(join(tmp, 'fallback', 'ab-nope'), 'nope'), null, 'nothing to adopt');
    assert.equal(await kept.adopt(stem, 'other key'), null, 'an entry under another key is not copied');
  });

  it(
    'a folder that cannot be written falls back to the service folder',
    { skip: process.getuid?.() === 0 ? 'running as root' : false },
    async () => {
      const ro = join(tmp, 'ro');
      await fsp.mkdir(ro);
      await fsp.chmod(ro, 0o555);
      const kept = new KeptResults(join(tmp, 'fallback2'));
      await kept.useFolder(join(ro, 'shoot.icm-cache'));
      assert.equal(kept.dir, join(tmp, 'fallback2'));
      await fsp.chmod(ro, 0o755);
    },
  );
});
