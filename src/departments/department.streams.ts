import { Injectable } from '@nestjs/common';
import { type BoundTo, CommandProcessor } from '../shared/decider/command-processor';
import { departmentDecider, departmentStream } from './department.decider';

/** The department decider, bound once to its stream names: the department handlers call it. */
@Injectable()
export class DepartmentStreams {
  /** department-<id> */
  readonly department: BoundTo<typeof departmentDecider>;

  constructor(processor: CommandProcessor) {
    this.department = processor.stream(departmentDecider, departmentStream);
  }
}
