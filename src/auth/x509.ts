/** @module @peculiar/x509 behind the Reflect polyfill it needs; import X.509 only from here. */
// tsyringe, which @peculiar/x509 uses internally, throws at load without Reflect.getMetadata.
// ES modules evaluate their imports in order, so the polyfill runs before the library.
import 'reflect-metadata'

export {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  X509Certificate,
} from '@peculiar/x509'
