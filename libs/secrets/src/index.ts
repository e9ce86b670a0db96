export {
  aadFor,
  CryptoError,
  type Keyring,
  keyring,
  needsReseal,
  open,
  Sealed,
  type SecretKey,
  seal,
  secretKey,
} from "./crypto.js";
export { base64Key, base64Keys, secretKeyEnv } from "./env.js";
export { type KeySource, keyFilePath, loadMasterKey } from "./master-key.js";
