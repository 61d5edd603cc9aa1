import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { HttpProblem, statusForCode } from './http-problem';
import { toProblem } from './problem.filter';

describe('toProblem', () => {
  it('keeps the status, code, detail and extensions of an HttpProblem', () => {
    const problem = toProblem(new HttpProblem(409, ErrorCode.IdempotencyConflict, 'used with another body', { hint: 1 }));
    expect(problem).toEqual({
      type: 'urn:fleetsign:error:IDEMPOTENCY_CONFLICT',
      title: 'Conflict',
      status: 409,
      code: ErrorCode.IdempotencyConflict,
      detail: 'used with another body',
      hint: 1,
    });
  });

  it('maps FleetSignErrors from the libraries by code', () => {
    expect(toProblem(new FleetSignError(ErrorCode.PayloadTooLarge, 'too big'))).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(toProblem(new FleetSignError(ErrorCode.Forbidden, 'bad signature'))).toMatchObject({ status: 403 });
    expect(toProblem(new FleetSignError(ErrorCode.StorageError, 'S3 down'))).toMatchObject({ status: 502 });
    expect(statusForCode(ErrorCode.HsmError)).toBe(500);
  });

  it('never lets extensions override the standard members', () => {
    const problem = toProblem(new HttpProblem(400, ErrorCode.ValidationFailed, 'bad', { status: 200, code: 'X' }));
    expect(problem).toMatchObject({ status: 400, code: ErrorCode.ValidationFailed });
  });

  it('maps framework errors by status', () => {
    expect(toProblem(new BadRequestException('Body is not valid JSON'))).toMatchObject({
      status: 400,
      code: ErrorCode.MalformedRequest,
      detail: 'Body is not valid JSON',
    });
    expect(toProblem(new HttpException('Request body is too large', 413))).toMatchObject({ status: 413, code: ErrorCode.PayloadTooLarge });
    expect(toProblem(new NotFoundException('Cannot GET /x'))).toMatchObject({ status: 404, code: ErrorCode.NotFound });
    expect(toProblem(new HttpException('Unsupported Media Type', 415))).toMatchObject({ status: 415, code: ErrorCode.MalformedRequest });
  });

  it('answers anything unexpected with a bare 500 that reveals nothing', () => {
    const problem = toProblem(new Error('ECONNREFUSED 10.1.2.3:6379 password=hunter2'));
    expect(problem).toEqual(expect.objectContaining({ status: 500, code: ErrorCode.Internal, detail: 'Internal error' }));
    expect(JSON.stringify(problem)).not.toContain('hunter2');
  });
});
