// The part of the official @google/genai SDK the console page uses, bundled by
// esbuild (`make console-bundle`) into src/openlive/console/static/genai.js, which is
// committed so that the server needs neither the network nor Node at run time.
export {
  ActivityHandling,
  EndSensitivity,
  GoogleGenAI,
  Modality,
  StartSensitivity,
  Type,
} from "@google/genai";
