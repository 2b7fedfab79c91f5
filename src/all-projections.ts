import { customerProfileProjection } from './customers/customer-profile.projection';
import type { ProjectionDefinition } from './shared/projections/projection';

/** Every projection of every feature: the composition roots (app, CLI) hand these to the runner. */
export const ALL_PROJECTIONS: ProjectionDefinition[] = [customerProfileProjection];
