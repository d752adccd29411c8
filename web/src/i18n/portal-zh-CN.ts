/**
 * The portal's phone layout, resubmission guard, uploads, transfer receipt and "what happens next"
 * strings, in Simplified Chinese; portal-en.ts has the same keys. Spread into zh-CN.ts.
 */
export const portalZhCN = {
  "layout.menu": "菜单",
  "layout.closeMenu": "关闭菜单",

  "order.replaceRejectedFirst": "请先重新上传审核未通过的材料：",
  "order.rejectedNotReplaced": "待重新上传",

  "upload.tooLarge": "文件过大（最大 {limit} MB）",
  "materials.photograph": "拍照上传",
  "materials.photographOf": "拍照上传：{material}",
} as const;
