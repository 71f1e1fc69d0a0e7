// What the About dialog shows, in the desktop app and in serve mode alike (the AGPL obliges both to
// offer the source): the app's name, version, licence and source link from its package.json (none
// while package.json names no public repository: a link is never invented), the
// engine revision, the model pack, and the parts made by others with their licences.
//
// The licences below were read from the packages themselves (their package.json "license", the
// data package's LICENSE.md and ThirdPartyLicenses.json, the libvips package's README);
// tests/unit/about.test.ts checks them against what is installed, so a bump that changes one fails.
// Versions are read at run time where the package is on disk; a package the desktop bundle does not
// ship as such (the UI libraries are bundled, the model data package is left out once the model is
// assembled) shows the version package.json pins.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { ENGINE_REVISION } from '../engine/revision';
import type { AboutInfo, ThirdPartyComponent } from '../shared/contract';

export const APP_NAME = 'In-Context Matting';

interface PackageJson {
  name?: string;
  version?: string;
  license?: string;
  repository?: string | { url?: string };
  homepage?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

interface ComponentSpec extends Omit<ThirdPartyComponent, 'version'> {
  /** npm package whose version is shown (read from node_modules, else the pin in package.json). */
  package?: string;
  /** The version when it does not come from a package. */
  version?: () => string | undefined;
  /** Said after the package's version (the weights have none of their own: they come in that package). */
  versionNote?: string;
}

/** The parts made by others that the app ships or runs, with the licence each states. */
export const THIRD_PARTY: readonly ComponentSpec[] = [
  {
    name: 'ISNet model weights (Qin et al., DIS)',
    role: 'the segmentation network the matting is built on',
    license: 'MIT',
    url: 'https://github.com/xuebinqin/DIS',
    package: '@imgly/background-removal-data',
    versionNote: ' (data package)',
  },
  {
    name: '@imgly/background-removal-data',
    role: 'the package the ISNet weights come from (the model packs are assembled from it)',
    license: 'AGPL-3.0',
    url: 'https://github.com/imgly/background-removal-js',
    package: '@imgly/background-removal-data',
  },
  {
    name: 'ONNX Runtime (onnxruntime-node)',
    role: 'runs the model',
    license: 'MIT',
    url: 'https://github.com/microsoft/onnxruntime',
    package: 'onnxruntime-node',
  },
  {
    name: 'sharp',
    role: 'reads, resizes and writes the photos',
    license: 'Apache-2.0',
    url: 'https://sharp.pixelplumbing.com',
    package: 'sharp',
  },
  {
    name: 'libvips (inside sharp’s prebuilt binaries)',
    role: 'the image library under sharp; the libraries bundled with it keep their own licences, listed in the README of @img/sharp-libvips-<platform>',
    license: 'LGPL-3.0-or-later',
    url: 'https://github.com/libvips/libvips',
    version: () => sharp.versions.vips,
  },
  { name: 'React', role: 'the user interface', license: 'MIT', url: 'https://react.dev', package: 'react' },
  { name: 'Fabric.js', role: 'the reference editor’s canvas', license: 'MIT', url: 'http://fabricjs.com', package: 'fabric' },
  {
    name: 'Electron',
    role: 'the desktop window (Chromium and Node.js; their licences are in LICENSES.chromium.html beside the app)',
    license: 'MIT',
    url: 'https://www.electronjs.org',
    // Only inside the desktop app (serve mode runs in a browser the user brings).
    version: () => process.versions.electron,
  },
];

/** The app's package.json folder: the nearest one up from this file named in-context-matting. */
export function findAppRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const pkg = readJson(join(dir, 'package.json'));
    if (pkg?.name === 'in-context-matting') return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`package.json of in-context-matting not found above ${from}`);
}

function readJson(file: string): PackageJson | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  } catch {
    return null;
  }
}

/** A browsable https address from package.json "repository" (git+https://…/x.git → https://…/x). */
export function sourceUrlOf(pkg: PackageJson): string | null {
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const raw = repo ?? pkg.homepage;
  if (!raw) return null;
  const github = /^github:(.+)$/.exec(raw);
  if (github) return `https://github.com/${github[1]}`;
  return raw
    .replace(/^git\+/, '')
    .replace(/^git:\/\//, 'https://')
    .replace(/\.git$/, '');
}

function versionOf(appRoot: string, pkg: PackageJson, name: string): string {
  const installed = readJson(join(appRoot, 'node_modules', name, 'package.json'))?.version;
  return installed ?? pkg.dependencies?.[name] ?? pkg.devDependencies?.[name] ?? 'unknown';
}

export interface AboutContext {
  /** Model pack the engine runs (or will run). */
  modelPack: string;
  logFile?: string;
  appRoot?: string;
}

/** The About information (reads package.json files: call it when the dialog opens, not per frame). */
export function readAbout(ctx: AboutContext): AboutInfo {
  const appRoot = ctx.appRoot ?? findAppRoot();
  const pkg = readJson(join(appRoot, 'package.json')) ?? {};
  const components: ThirdPartyComponent[] = [];
  for (const c of THIRD_PARTY) {
    const found = c.version ? c.version() : c.package ? versionOf(appRoot, pkg, c.package) : undefined;
    if (!found) continue;
    const version = found + (c.versionNote ?? '');
    components.push({ name: c.name, version, license: c.license, role: c.role, url: c.url });
  }
  const sourceUrl = sourceUrlOf(pkg);
  return {
    name: APP_NAME,
    version: pkg.version ?? 'unknown',
    license: pkg.license ?? 'unknown',
    sourceUrl,
    engineRevision: ENGINE_REVISION,
    modelPack: ctx.modelPack,
    components,
    ...(ctx.logFile ? { logFile: ctx.logFile } : {}),
  };
}
