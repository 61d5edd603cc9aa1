import type { AppDescriptorFacts } from '@fleetsign/queue';
import type { EspImage } from '@fleetsign/secure-boot';

/** The app description of an image as the policy facts report it; undefined for images without one (bootloaders). */
export function appDescriptorFacts(image: Pick<EspImage, 'appDescription'>): AppDescriptorFacts | undefined {
  const desc = image.appDescription;
  if (!desc) return undefined;
  return {
    projectName: desc.projectName,
    version: desc.version,
    secureVersion: desc.secureVersion,
    idfVersion: desc.idfVersion,
    buildDate: desc.date,
    buildTime: desc.time,
  };
}
