import { Controller, Get, Header, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@fleetsign/errors';
import { CurrentPrincipal, type Principal, RequireScope } from '../auth/principal';
import { ApiJsonResponse, ApiProblems } from '../docs/openapi-schema';
import { profileListSchema, profilePublicKeysSchema, type ProfilePublicKeys, type ProfileSummary } from '@fleetsign/api';
import { ProfilesService } from './profiles.service';

/** `GET /v1/profiles` and `GET /v1/profiles/{name}/public-keys`. */
@ApiTags('profiles')
@ApiBearerAuth()
@Controller('v1/profiles')
export class ProfilesController {
  constructor(private readonly profiles: ProfilesService) {}

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: 'Signing profiles this API key may use' })
  @ApiJsonResponse(200, profileListSchema, 'Profiles')
  @ApiProblems({ 401: [ErrorCode.Unauthenticated], 403: [ErrorCode.Forbidden] })
  async list(@CurrentPrincipal() principal: Principal): Promise<{ profiles: ProfileSummary[] }> {
    return { profiles: await this.profiles.list(principal) };
  }

  @Get(':name/public-keys')
  @RequireScope('read')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: "A profile's public keys and eFuse key digests",
    description: 'As published by a signer that opened the keys; 503 PROFILE_KEYS_UNAVAILABLE until one has.',
  })
  @ApiParam({ name: 'name', description: 'Profile name' })
  @ApiJsonResponse(200, profilePublicKeysSchema, 'Public keys in signature block order')
  @ApiProblems({
    401: [ErrorCode.Unauthenticated],
    403: [ErrorCode.Forbidden],
    404: [ErrorCode.UnknownProfile],
    503: [ErrorCode.ProfileKeysUnavailable],
  })
  publicKeys(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<ProfilePublicKeys> {
    return this.profiles.publicKeys(principal, name);
  }
}
