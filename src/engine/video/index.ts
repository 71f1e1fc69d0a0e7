// Reading and writing clips (issue 16): the public face of src/engine/video for the sequence matter,
// the CLI and the app.
export type { CutoutFrame, Frame, FrameSequence, SequenceInfo, WriteProgress } from './frames';
export { openSequence, type OpenSequenceOptions } from './source';
export { DEFAULT_FOLDER_FPS, FRAME_FILE, naturalCompare } from './folder-source';
export { videoFrameName, type FrameRange } from './video-source';
export { probeVideo, type VideoProbe } from './probe';
export { readAlphaFrames, type AlphaFrame } from './alpha-source';
export { FFMPEG_PACKAGE, ffmpegEncoders, locateFfmpeg } from './ffmpeg';
export { CLIP_EXTENSION, writeClip, type ClipFormat, type ClipWriterOptions, type ClipWriterResult } from './clip-writer';
export { writePngSequence, type PngSequenceOptions, type PngSequenceResult } from './png-sequence';
export type { CutoutFrames, WriterOptions } from './cutout-frames';
export { FfmpegMissingError, VideoInputError, VideoOutputError } from './errors';
