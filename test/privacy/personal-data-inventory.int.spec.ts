import * as path from 'node:path';
import * as ts from 'typescript';
import { ALL_DATA_INVENTORY } from '../../src/all-personal-data';

/**
 * The inventory of personal data against the code: every event type declared in src has an entry,
 * and every string field of its data (at any depth, inside arrays and records too) is decided,
 * personal or not. Found with the TypeScript checker, so the event types and fields come from the
 * declarations themselves, not from a list kept by hand.
 *
 * An event type is a `DomainEvent<'Type', Data>`, or a member `{ type: 'Type'; data: Data }` of an
 * exported union named `...Event`.
 */
const SRC = path.resolve(__dirname, '../../src');

function sourceFiles(): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.resolve(__dirname, '../../tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  if (config === undefined) throw new Error('tsconfig.json could not be read');
  return config.fileNames.filter((file) => file.startsWith(SRC) && !file.endsWith('.spec.ts'));
}

/** Paths of the string leaves of a type: `a.b`, `lines[].product`, `scores.*`. */
function stringPaths(checker: ts.TypeChecker, type: ts.Type, prefix: string, depth = 0): string[] {
  if (depth > 6) return [];
  const parts = type.isUnion() ? type.types : [type];
  const paths = new Set<string>();
  for (const part of parts) {
    if (part.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike)) continue;
    if (part.flags & ts.TypeFlags.StringLike) {
      paths.add(prefix);
      continue;
    }
    if (checker.isArrayType(part)) {
      const [element] = checker.getTypeArguments(part as ts.TypeReference);
      for (const p of stringPaths(checker, element, `${prefix}[]`, depth + 1)) paths.add(p);
      continue;
    }
    if (part.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) {
      const index = checker.getIndexInfoOfType(part, ts.IndexKind.String);
      if (index) for (const p of stringPaths(checker, index.type, join(prefix, '*'), depth + 1)) paths.add(p);
      for (const property of checker.getPropertiesOfType(part)) {
        const propertyType = checker.getNonNullableType(checker.getTypeOfSymbol(property));
        for (const p of stringPaths(checker, propertyType, join(prefix, property.name), depth + 1)) paths.add(p);
      }
    }
  }
  return [...paths];
}

const join = (prefix: string, name: string): string => (prefix === '' ? name : `${prefix}.${name}`);

/** Every event type declared in src, with the string paths of its data and where it is declared. */
function declaredEvents(): Map<string, { paths: string[]; file: string }> {
  const program = ts.createProgram(sourceFiles(), { strict: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const events = new Map<string, { paths: string[]; file: string }>();
  const add = (name: string, data: ts.Type, file: ts.SourceFile): void => {
    const paths = stringPaths(checker, data, '').sort();
    const known = events.get(name);
    events.set(name, { paths: [...new Set([...(known?.paths ?? []), ...paths])].sort(), file: path.relative(SRC, file.fileName) });
  };
  for (const file of program.getSourceFiles()) {
    if (!file.fileName.startsWith(SRC)) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isTypeReferenceNode(node) && node.typeName.getText(file) === 'DomainEvent' && node.typeArguments?.length === 2) {
        const [name, data] = node.typeArguments;
        if (ts.isLiteralTypeNode(name) && ts.isStringLiteral(name.literal)) add(name.literal.text, checker.getTypeFromTypeNode(data), file);
      }
      if (ts.isTypeAliasDeclaration(node) && /Event$/.test(node.name.text)) {
        const union = checker.getTypeAtLocation(node.name);
        for (const member of union.isUnion() ? union.types : [union]) {
          const typeSymbol = member.getProperty('type');
          const dataSymbol = member.getProperty('data');
          if (!typeSymbol || !dataSymbol) continue;
          const literal = checker.getTypeOfSymbol(typeSymbol);
          if (literal.isStringLiteral()) add(literal.value, checker.getTypeOfSymbol(dataSymbol), file);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return events;
}

describe('the inventory of personal data', () => {
  const declared = declaredEvents();
  const inventory = new Map(ALL_DATA_INVENTORY.map((entry) => [entry.eventType, entry]));

  it('finds the event types of every feature in the code', () => {
    // A sanity check of the search itself: one event of each kind of declaration.
    expect(declared.get('CustomerRegistered')?.paths).toEqual(expect.arrayContaining(['name', 'email', 'customerId']));
    expect(declared.get('ComplaintGraded')?.paths).toEqual(expect.arrayContaining(['policy.id', 'gradedAt']));
    expect(declared.get('PurchaseRecorded')?.paths).toContain('lines[].product');
    expect(declared.get('AccessKeyCreated')?.paths).toContain('name');
    expect(declared.get('CustomerSegmentChanged')?.paths).toContain('scores.*');
  });

  it('has an entry for every event type, and none for a type that does not exist', () => {
    const undecided = [...declared.keys()].filter((type) => !inventory.has(type)).map((type) => `${type} (${declared.get(type)?.file})`);
    expect(undecided).toEqual([]);
    expect([...inventory.keys()].filter((type) => !declared.has(type))).toEqual([]);
    expect(ALL_DATA_INVENTORY.length).toBe(inventory.size);
  });

  it('decides every string field of every event: personal or not, never both, never a field that does not exist', () => {
    const problems: string[] = [];
    for (const [type, { paths }] of declared) {
      const entry = inventory.get(type);
      if (entry === undefined) continue;
      const decided = [...entry.personal, ...entry.notPersonal];
      for (const p of paths) if (!decided.includes(p)) problems.push(`${type}.${p}: undecided`);
      for (const p of decided) if (!paths.includes(p)) problems.push(`${type}.${p}: no such string field`);
      for (const p of entry.personal) if (entry.notPersonal.includes(p)) problems.push(`${type}.${p}: both`);
    }
    expect(problems).toEqual([]);
  });

  it('names a subject wherever there is personal data', () => {
    const withoutSubject = ALL_DATA_INVENTORY.filter((entry) => entry.personal.length > 0 && entry.subject === undefined).map(
      (e) => e.eventType,
    );
    expect(withoutSubject).toEqual([]);
  });
});
