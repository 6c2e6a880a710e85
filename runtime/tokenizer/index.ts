// Tokenizers, public API: the Tokenizer contract, the byte tokenizer for models trained from
// scratch, Hugging Face tokenizer.json loading (byte-level and SentencePiece-style BPE), a small
// BPE trainer, writing a tokenizer folder, and chat templates (tokenizer_config.json, Jinja).

export type { Tokenizer, SpecialToken, EncodeOptions } from './tokenizer.ts';
export { byteTokenizer, type ByteTokenizerOptions } from './byte-level.ts';
export { parseHfTokenizer, loadHfTokenizer, loadTokenizerFolder, type SpecialNames } from './hf-json.ts';
export { trainBpe, type TrainBpeOptions, type TokenizerJson } from './train-bpe.ts';
export { writeTokenizerFolder, type SpecialTokenNames } from './write.ts';
export { GPT2_PATTERN, LLAMA3_PATTERN } from './pretokenize.ts';
export {
  chatTemplate,
  templateFor,
  configChatTemplate,
  ChatTemplateError,
  TEMPLATE_DATE,
  type ChatTemplate,
  type TemplateTokens,
} from './chat-template.ts';
