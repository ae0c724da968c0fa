/** Something the service needs in order to serve; `check` throws when it is not there. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<Record<string, unknown> | void>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
