/** Limits on uploaded files, enforced before and while they are decoded (src/seal/image-header.ts, upload-pool.ts). */
import type { MessageTable } from "./types.js";

export const uploadMessages: MessageTable = {
  "upload.image_too_large": {
    "zh-CN":
      "图片尺寸过大（{widthPx}×{heightPx} 像素，约 {megapixels} 百万像素），上限为 {limitMegapixels} 百万像素，请缩小后重新上传",
    en: "The image is too large ({widthPx}×{heightPx} pixels, about {megapixels} megapixels); the limit is {limitMegapixels} megapixels: scale it down and upload it again",
  },
  "upload.image_header_invalid": {
    "zh-CN": "图片文件头损坏或不完整，无法读取图片尺寸，请重新导出后上传",
    en: "The image's header is damaged or incomplete, so its size cannot be read; export it again and upload it",
  },
  "upload.time_budget": {
    "zh-CN": "文件处理超过 {seconds} 秒的时间上限，已停止；请上传更小或更简单的文件",
    en: "Processing the file took over its limit of {seconds} s and was stopped; upload a smaller or simpler file",
  },
  "upload.memory_budget": {
    "zh-CN": "文件处理超过 {megabytes} MB 的内存上限，已停止；请上传更小或更简单的文件",
    en: "Processing the file needed more than its limit of {megabytes} MB of memory and was stopped; upload a smaller or simpler file",
  },
  "upload.pdf_too_complex": {
    "zh-CN": "PDF 的对象流解压后超过 {limitMb} MB 的上限，无法处理；请重新导出或打印为 PDF 后上传",
    en: "The PDF's object streams inflate to more than the limit of {limitMb} MB; export or print it to PDF again and upload it",
  },
  "upload.busy": {
    "zh-CN": "服务器正在处理其他上传的文件，请稍后重试",
    en: "The server is busy with other uploaded files; try again shortly",
  },
};
