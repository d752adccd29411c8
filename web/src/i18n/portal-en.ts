/** The portal's strings of portal-zh-CN.ts, in English. */
import type { portalZhCN } from "./portal-zh-CN";

export const portalEn: Record<keyof typeof portalZhCN, string> = {
  "layout.menu": "Menu",
  "layout.closeMenu": "Close the menu",

  "order.replaceRejectedFirst": "Upload the rejected materials again first:",
  "order.rejectedNotReplaced": "To upload again",

  "upload.tooLarge": "The file is too large (at most {limit} MB)",
  "materials.photograph": "Take a photo",
  "materials.photographOf": "Take a photo: {material}",
};
