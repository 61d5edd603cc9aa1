import { chipIdOfImagePrefix, ESP_IMAGE_HEADER_SIZE } from '@fleetsign/secure-boot/esp-image-header';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Passes an upload's bytes through unchanged while keeping its first 24 bytes (the ESP
 * image header), so the gateway learns the image's chip at no extra I/O and can refuse
 * a job for a chip its profile does not allow before any signer sees it.
 */
export class ImageHeaderPeek extends Transform {
  private prefix = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.prefix.length < ESP_IMAGE_HEADER_SIZE) {
      this.prefix = Buffer.concat([this.prefix, chunk.subarray(0, ESP_IMAGE_HEADER_SIZE - this.prefix.length)]);
    }
    callback(null, chunk);
  }

  /** The chip id the header names; undefined for data that does not start like an ESP image. */
  chipId(): number | undefined {
    return chipIdOfImagePrefix(this.prefix);
  }
}
