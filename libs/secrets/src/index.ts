export {
  aadFor,
  CryptoError,
  type Keyring,
  keyring,
  needsReseal,
  open,
  resealed,
  Sealed,
  type SecretKey,
  seal,
  secretKey,
} from "./crypto.js";
export { base64Key, base64Keys, secretKeyEnv } from "./env.js";
export {
  ExposedKeyError,
  type KeySource,
  keyFilePath,
  loadMasterKey,
  loadMasterKeyOrExit,
} from "./master-key.js";
