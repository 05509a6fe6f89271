import { BadRequestException } from '@nestjs/common';

/** A 400 in the API's error shape for one bad query parameter or header. */
export function badQuery(path: string, message: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, message: 'invalid request', errors: [{ path, message }] });
}
