import { bsonTypeOf, type Document } from '../../bson/index.js';
import { MISSING } from '../filter/types.js';
import {
  AllElemMatchFromIndexNode, AllowedPropertiesNode, AlwaysNode, AndNode, ArrayItemsNode, BinDataEncryptedTypeNode,
  BinDataSubTypeNode, CondNode, ENCRYPTED_SUBTYPE, ExistsSchemaNode, firstDuplicate, FmodNode, MatchArrayIndexNode,
  NotNode, NumPropertiesNode, ObjectMatchNode, OrNode, PLACEHOLDER, QueryPredicateNode, SchemaTypeNode, StrLengthNode,
  UniqueItemsNode, valueAt, XorNode, type SchemaNode,
} from './nodes.js';

/**
 * The `errInfo.details` of a document that fails a `$jsonSchema` validator, built as mongod's doc_validation_error
 * builds it (https://www.mongodb.com/docs/manual/core/schema-validation/view-validation-rules/): the schema's match
 * tree is walked depth first, each node deciding from its annotation and from whether it matched whether it reports
 * an error of its own (`operatorName`, `specifiedAs`, `reason`, `consideredValue`, ...), passes its children's
 * errors up, or stays silent. The walk keeps mongod's frame states, so the same nodes report in the same order.
 */

/** How a node takes part (mongod's RuntimeState). */
type State = 'error' | 'noError' | 'needChildrenInfo' | 'ignoreChildren';

/** A node's error: an object, a missing property's name, or a list a subschema hands to its parent. */
type NodeError = Document | string | unknown[] | undefined;

interface Params {
  doc: Document;
  inverted: boolean;
}

interface Frame extends Params {
  state: State;
  readonly obj: Document;
  readonly arr: unknown[];
  childIndex: number;
  childInput?: Params;
}

const NUMBER_TYPES: ReadonlySet<string> = new Set(['long', 'double', 'decimal', 'int']);
const STRING_TYPES: ReadonlySet<string> = new Set(['string']);
const PATTERN_TYPES: ReadonlySet<string> = new Set(['string', 'symbol', 'regex']);
const ARRAY_TYPES: ReadonlySet<string> = new Set(['array']);

/** Tags whose clauses are reported with their index (and the clause's title and description). */
const ORDERED_CLAUSES: ReadonlySet<string> = new Set(['$and', '$or', '$nor', 'allOf', 'anyOf', 'oneOf']);

/** The list each tree node reports its children's errors under, normal then inverted. */
const AND_DETAILS: Readonly<Record<string, readonly [string, string]>> = {
  $and: ['clausesNotSatisfied', 'clausesSatisfied'],
  allOf: ['schemasNotSatisfied', ''],
  properties: ['propertiesNotSatisfied', ''],
  $jsonSchema: ['schemaRulesNotSatisfied', ''],
  _subschema: ['', ''],
  _propertiesExistList: ['', ''],
  items: ['details', ''],
  dependencies: ['failingDependencies', ''],
  required: ['missingProperties', ''],
  _property: ['details', ''],
  '': ['details', ''],
};

class Walker {
  constructor(private readonly rootDoc: Document) {}

  private shouldGenerate(node: SchemaNode, frame: Frame): boolean {
    return node.annotation.mode === 'generate' && frame.state !== 'noError';
  }

  private producesArray(node: SchemaNode): boolean {
    return node.annotation.tag === '_subschema' || node.annotation.tag === '_propertiesExistList';
  }

  /** mongod's pushNewFrame: whether the node takes part, given its parent's state. */
  private push(node: SchemaNode, parent: Frame | null, initial?: Params): Frame {
    const frame = (state: State, params: Params): Frame => ({ state, ...params, obj: {}, arr: [], childIndex: 0 });
    if (parent === null) return frame('error', initial ?? { doc: this.rootDoc, inverted: false });
    let params: Params = { doc: parent.doc, inverted: parent.inverted };
    if (parent.childInput) {
      params = parent.childInput;
      parent.childInput = undefined;
    }
    if (parent.state === 'noError' || parent.state === 'ignoreChildren' || node.annotation.mode === 'ignore') return frame('noError', params);
    if (parent.state === 'needChildrenInfo') {
      const fails = node.matches(params.doc) ? params.inverted : !params.inverted;
      return frame(fails ? 'error' : 'noError', params);
    }
    return frame('error', params);
  }

  private setState(frame: Frame, state: State): void {
    if (frame.state !== 'noError') frame.state = state;
  }

  private reason(frame: Frame, normal: string, inverted: string): void {
    if (frame.obj.reason === undefined) frame.obj.reason = frame.inverted ? inverted : normal;
  }

  private operatorName(node: SchemaNode, frame: Frame): void {
    if (node.annotation.tag !== '') frame.obj.operatorName = node.annotation.tag;
  }

  private errorDetails(node: SchemaNode, frame: Frame): void {
    this.operatorName(node, frame);
    frame.obj.specifiedAs = node.annotation.annotation;
  }

  private schemaAnnotations(node: SchemaNode, target: Document): void {
    Object.assign(target, node.annotation.schemaAnnotations);
  }

  /** The values a node considers at `path`: undefined when the field is missing; the whole document for ''. */
  private values(frame: Frame, path: string, traverseArray: boolean): unknown[] | undefined {
    if (path === '') return [this.rootDoc];
    const v = valueAt(frame.doc, path);
    if (v === MISSING) return undefined;
    return traverseArray && Array.isArray(v) ? v : [v];
  }

  private consideredValues(frame: Frame, values: unknown[] | undefined): void {
    if (!values) return;
    if (values.length === 1) frame.obj.consideredValue = values[0];
    else frame.obj.consideredValues = values;
  }

  private consideredTypes(frame: Frame, values: unknown[] | undefined): void {
    if (!values || values.length === 0) return;
    const types = [...new Set(values.map((v) => bsonTypeOf(v)))].sort();
    if (types.length === 1) frame.obj.consideredType = types[0];
    else frame.obj.consideredTypes = types;
  }

  /**
   * The value a schema keyword applies to, when it should report: only in a normal context and only for a value of
   * the keyword's types, since a missing field or one of another type is reported by `required` or the type.
   */
  private keywordValue(node: SchemaNode & { path: string }, frame: Frame, types: ReadonlySet<string>): unknown {
    if (!this.shouldGenerate(node, frame) || frame.inverted) return MISSING;
    const v = valueAt(frame.doc, node.path);
    return v !== MISSING && types.has(bsonTypeOf(v)) ? v : MISSING;
  }

  /** The error a node ends with: its own when it reports, else what its last child left. */
  private finish(node: SchemaNode, frame: Frame, latest: NodeError): NodeError {
    if (!this.shouldGenerate(node, frame)) return latest;
    return this.producesArray(node) ? frame.arr : frame.obj;
  }

  private appendChildError(node: SchemaNode, frame: Frame, child: SchemaNode | undefined, latest: NodeError): void {
    if (this.shouldGenerate(node, frame) && frame.state !== 'ignoreChildren' && latest !== undefined) {
      if (ORDERED_CLAUSES.has(node.annotation.tag)) {
        const entry: Document = { index: frame.childIndex };
        if (child) this.schemaAnnotations(child, entry);
        entry.details = latest;
        frame.arr.push(entry);
      } else if (Array.isArray(latest)) {
        frame.arr.push(...latest);
      } else {
        frame.arr.push(latest);
      }
    }
    frame.childIndex++;
  }

  /** Visits the children of a list node, collecting their errors. */
  private visitList(node: SchemaNode, frame: Frame): NodeError {
    let latest: NodeError;
    const children = node.children();
    children.forEach((child, i) => {
      if (i > 0) this.appendChildError(node, frame, children[i - 1], latest);
      latest = this.visit(child, frame);
    });
    return latest;
  }

  private preVisitTree(node: SchemaNode, frame: Frame): void {
    if (!this.shouldGenerate(node, frame)) return;
    const { tag, annotation } = node.annotation;
    if (!tag.startsWith('_')) this.operatorName(node, frame);
    if (tag === 'required') frame.obj.specifiedAs = annotation;
    else Object.assign(frame.obj, annotation);
  }

  private postVisitTree(node: SchemaNode, frame: Frame, detailsName: string, latest: NodeError): NodeError {
    this.schemaAnnotations(node, frame.obj);
    const children = node.children();
    this.appendChildError(node, frame, children[children.length - 1], latest);
    const tag = node.annotation.tag;
    if (this.shouldGenerate(node, frame) && (tag === 'properties' || tag === '_property') && frame.arr.length === 0) {
      this.setState(frame, 'noError');
    }
    if (this.shouldGenerate(node, frame) && !this.producesArray(node)) frame.obj[detailsName] = frame.arr;
    return this.finish(node, frame, latest);
  }

  visit(node: SchemaNode, parent: Frame | null, initial?: Params): NodeError {
    const frame = this.push(node, parent, initial);
    // A node that takes no part has no child that does.
    if (frame.state === 'noError') return undefined;
    if (node instanceof AndNode) return this.visitAnd(node, frame);
    if (node instanceof OrNode) return this.visitOr(node, frame);
    if (node instanceof XorNode) return this.visitXor(node, frame);
    if (node instanceof NotNode) return this.visitNot(node, frame);
    if (node instanceof CondNode) return this.visitCond(node, frame);
    if (node instanceof AlwaysNode) return this.visitAlways(node, frame);
    if (node instanceof SchemaTypeNode) return this.visitType(node, frame);
    if (node instanceof ExistsSchemaNode) {
      return this.shouldGenerate(node, frame) && node.annotation.tag === '_propertyExists' ? node.path : undefined;
    }
    if (node instanceof QueryPredicateNode) {
      const regex = node.annotation.tag === 'pattern';
      return regex
        ? this.visitKeyword(node, frame, PATTERN_TYPES, 'regular expression did not match', true)
        : this.visitKeyword(node, frame, NUMBER_TYPES, 'comparison failed', false);
    }
    if (node instanceof FmodNode) return this.visitKeyword(node, frame, NUMBER_TYPES, 'considered value is not a multiple of the specified value', false);
    if (node instanceof StrLengthNode) return this.visitKeyword(node, frame, STRING_TYPES, 'specified string length was not satisfied', false);
    if (node instanceof ArrayItemsNode) return this.visitArrayItems(node, frame);
    if (node instanceof UniqueItemsNode) return this.visitUniqueItems(node, frame);
    if (node instanceof ObjectMatchNode) return this.visitObjectMatch(node, frame);
    if (node instanceof NumPropertiesNode) return this.visitNumProperties(node, frame);
    if (node instanceof AllowedPropertiesNode) return this.visitAllowedProperties(node, frame);
    if (node instanceof MatchArrayIndexNode) return this.visitMatchArrayIndex(node, frame);
    if (node instanceof AllElemMatchFromIndexNode) return this.visitAllElemMatch(node, frame);
    if (node instanceof BinDataSubTypeNode) {
      if (!this.shouldGenerate(node, frame)) return undefined;
      this.operatorName(node, frame);
      this.reason(frame, 'value was not encrypted', 'value was encrypted');
      return frame.obj;
    }
    if (node instanceof BinDataEncryptedTypeNode) {
      if (!this.shouldGenerate(node, frame)) return undefined;
      const v = valueAt(frame.doc, node.path);
      if (bsonTypeOf(v) !== 'binData' || (v as { sub_type: number }).sub_type !== ENCRYPTED_SUBTYPE || frame.inverted) return undefined;
      this.operatorName(node, frame);
      this.reason(frame, 'encrypted value has wrong type', '');
      return frame.obj;
    }
    // Enum members and the root document's equality report through their enum.
    return undefined;
  }

  private visitAnd(node: AndNode, frame: Frame): NodeError {
    const tag = node.annotation.tag;
    if (tag === 'items') {
      const first = node.list[0];
      if (!(first instanceof MatchArrayIndexNode)) return undefined;
      if (this.keywordValue(first, frame, ARRAY_TYPES) === MISSING) return undefined;
      this.operatorName(node, frame);
      this.setState(frame, 'needChildrenInfo');
    } else {
      this.preVisitTree(node, frame);
      if (!frame.inverted) this.setState(frame, 'needChildrenInfo');
      if (tag === '$jsonSchema' && frame.inverted) {
        this.setState(frame, 'ignoreChildren');
        this.reason(frame, '', 'schema matched');
      }
    }
    const latest = this.visitList(node, frame);
    if (tag === '$jsonSchema' && frame.inverted) return this.finish(node, frame, latest);
    const names = AND_DETAILS[tag] ?? AND_DETAILS['']!;
    return this.postVisitTree(node, frame, frame.inverted ? names[1] : names[0], latest);
  }

  private visitOr(node: OrNode, frame: Frame): NodeError {
    if (node.annotation.tag === 'enum') {
      if (!this.shouldGenerate(node, frame)) return undefined;
      this.errorDetails(node, frame);
      const first = node.list[0]!;
      // A top-level enum compares the whole document.
      const values = this.values(frame, 'path' in first ? (first as { path: string }).path : '', false);
      if (!values) return undefined;
      this.reason(frame, 'value was not found in enum', 'value was found in enum');
      this.consideredValues(frame, values);
      return frame.obj;
    }
    this.preVisitTree(node, frame);
    if (frame.inverted) this.setState(frame, 'needChildrenInfo');
    const latest = this.visitList(node, frame);
    if (!this.shouldGenerate(node, frame)) return latest;
    const details = node.annotation.tag === '$or' ? ['clausesNotSatisfied', 'clausesSatisfied'] : ['schemasNotSatisfied', ''];
    return this.postVisitTree(node, frame, frame.inverted ? details[1]! : details[0]!, latest);
  }

  private visitXor(node: XorNode, frame: Frame): NodeError {
    this.preVisitTree(node, frame);
    this.setState(frame, 'needChildrenInfo');
    if (this.shouldGenerate(node, frame)) {
      const matching = node.list.flatMap((child, i) => (child.matches(frame.doc) ? [i] : []));
      if (matching.length > 0) {
        // Several subschemas matched: the error is about those.
        frame.inverted = !frame.inverted;
        this.setState(frame, 'ignoreChildren');
        this.reason(frame, '', 'more than one subschema matched');
        frame.obj.matchingSchemaIndexes = matching;
      }
    }
    if (frame.inverted) {
      this.visitList(node, frame);
      return this.finish(node, frame, undefined);
    }
    const latest = this.visitList(node, frame);
    return this.postVisitTree(node, frame, 'schemasNotSatisfied', latest);
  }

  private visitNot(node: NotNode, frame: Frame): NodeError {
    this.preVisitTree(node, frame);
    frame.inverted = !frame.inverted;
    const isSchemaNot = node.annotation.tag === 'not';
    if (this.shouldGenerate(node, frame) && isSchemaNot) {
      this.reason(frame, '', 'child expression matched');
      this.setState(frame, 'ignoreChildren');
    }
    const latest = this.visit(node.child, frame);
    if (this.shouldGenerate(node, frame) && !isSchemaNot && latest !== undefined) frame.obj.details = latest;
    return this.finish(node, frame, latest);
  }

  private visitCond(node: CondNode, frame: Frame): NodeError {
    // A dependency fails only when its condition holds and its requirement does not.
    if (this.shouldGenerate(node, frame) && !node.condition.matches(frame.doc)) return undefined;
    this.visit(node.condition, frame);
    const latest = this.visit(node.then, frame);
    if (this.shouldGenerate(node, frame) && latest !== undefined) {
      frame.obj.conditionalProperty = Object.keys(node.annotation.annotation)[0];
      if (node.annotation.tag === '_schemaDependency') frame.obj.details = latest;
      else if (node.annotation.tag === '_propertyDependency') frame.obj.missingProperties = latest;
    }
    const last = this.visit(node.otherwise, frame);
    return this.finish(node, frame, last);
  }

  private visitAlways(node: AlwaysNode, frame: Frame): NodeError {
    if (!this.shouldGenerate(node, frame)) return undefined;
    this.errorDetails(node, frame);
    this.reason(frame, 'expression always evaluates to false', 'expression always evaluates to true');
    return frame.obj;
  }

  private visitType(node: SchemaTypeNode, frame: Frame): NodeError {
    if (!this.shouldGenerate(node, frame)) return undefined;
    const values = this.values(frame, node.path, false);
    // A missing field is reported by required, not by its type.
    if (!values) return undefined;
    this.errorDetails(node, frame);
    this.reason(frame, 'type did not match', 'type did match');
    this.consideredValues(frame, values);
    this.consideredTypes(frame, values);
    return frame.obj;
  }

  private visitKeyword(node: SchemaNode & { path: string }, frame: Frame, types: ReadonlySet<string>, reason: string, traverse: boolean): NodeError {
    if (!this.shouldGenerate(node, frame)) return undefined;
    if (this.keywordValue(node, frame, types) === MISSING) return undefined;
    this.errorDetails(node, frame);
    const values = this.values(frame, node.path, traverse);
    this.reason(frame, reason, '');
    this.consideredValues(frame, values);
    return frame.obj;
  }

  private visitArrayItems(node: ArrayItemsNode, frame: Frame): NodeError {
    const v = this.keywordValue(node, frame, ARRAY_TYPES);
    if (v === MISSING) return undefined;
    this.errorDetails(node, frame);
    this.reason(frame, 'array did not match specified length', '');
    frame.obj.consideredValue = v;
    frame.obj.numberOfItems = (v as unknown[]).length;
    return frame.obj;
  }

  private visitUniqueItems(node: UniqueItemsNode, frame: Frame): NodeError {
    const v = this.keywordValue(node, frame, ARRAY_TYPES);
    if (v === MISSING) return undefined;
    this.errorDetails(node, frame);
    this.reason(frame, 'found a duplicate item', '');
    frame.obj.consideredValue = v;
    frame.obj.duplicatedValue = firstDuplicate(v as unknown[]);
    return frame.obj;
  }

  private visitObjectMatch(node: ObjectMatchNode, frame: Frame): NodeError {
    const v = valueAt(frame.doc, node.path);
    // Not an object: the type or required explains the failure.
    if (bsonTypeOf(v) !== 'object') return undefined;
    frame.childInput = { doc: v as Document, inverted: frame.inverted };
    const latest = this.visit(node.child, frame);
    return this.finish(node, frame, latest);
  }

  private visitNumProperties(node: NumPropertiesNode, frame: Frame): NodeError {
    if (!this.shouldGenerate(node, frame)) return undefined;
    this.errorDetails(node, frame);
    this.reason(frame, 'specified number of properties was not satisfied', '');
    frame.obj.numberOfProperties = Object.keys(frame.doc).length;
    return frame.obj;
  }

  /** The first field a pattern finds whose value fails the pattern's schema. */
  private failingPatternProperty(pattern: AllowedPropertiesNode['patterns'][number], doc: Document): [string, unknown] | undefined {
    return Object.entries(doc).find(([name, value]) => pattern.regex.test(name) && !pattern.schema.matches({ [PLACEHOLDER]: value }));
  }

  private allowedChildError(node: AllowedPropertiesNode, frame: Frame, latest: NodeError): void {
    if (latest === undefined) return;
    const index = frame.childIndex;
    if (index === 0) {
      const additional = node.annotation.annotation.additionalProperties;
      if (additional === undefined || typeof additional === 'boolean') return;
      const names = node.additionalProperties(frame.doc);
      const failing = names.find((name) => !node.otherwise.matches({ [PLACEHOLDER]: frame.doc[name] }));
      frame.obj.operatorName = 'additionalProperties';
      this.schemaAnnotations(node.otherwise, frame.obj);
      frame.obj.reason = 'at least one additional property did not match the subschema';
      frame.obj.failingProperty = failing;
      frame.obj.details = latest;
      return;
    }
    const pattern = node.patterns[index - 1]!;
    const failing = this.failingPatternProperty(pattern, frame.doc);
    if (!this.shouldGenerate(node, frame) || !failing) return;
    const entry: Document = { propertyName: failing[0] };
    this.schemaAnnotations(pattern.schema, entry);
    entry.regexMatched = pattern.raw;
    entry.details = latest;
    frame.arr.push(entry);
  }

  private visitAllowedProperties(node: AllowedPropertiesNode, frame: Frame): NodeError {
    // Which subschema is reported, and for which field, is decided here, not by the children.
    this.setState(frame, 'ignoreChildren');
    if (this.shouldGenerate(node, frame)) {
      const names = node.additionalProperties(frame.doc);
      const additional = node.annotation.annotation.additionalProperties;
      if (typeof additional === 'boolean' && !node.otherwise.matches(frame.doc)) {
        if (names.length > 0) {
          frame.obj.operatorName = 'additionalProperties';
          frame.obj.specifiedAs = { additionalProperties: false };
          frame.obj.additionalProperties = names;
        }
      } else if (additional !== undefined && typeof additional !== 'boolean') {
        const failing = names.find((name) => !node.otherwise.matches({ [PLACEHOLDER]: frame.doc[name] }));
        if (failing !== undefined) {
          this.setState(frame, 'error');
          frame.childInput = { doc: { [PLACEHOLDER]: frame.doc[failing] }, inverted: frame.inverted };
        }
      }
    }
    const children = node.children();
    let latest: NodeError;
    children.forEach((child, i) => {
      if (i > 0 && this.shouldGenerate(node, frame)) {
        this.allowedChildError(node, frame, latest);
        this.setState(frame, 'ignoreChildren');
        const failing = this.failingPatternProperty(node.patterns[i - 1]!, frame.doc);
        if (failing) {
          this.setState(frame, 'error');
          frame.childInput = { doc: { [PLACEHOLDER]: failing[1] }, inverted: frame.inverted };
        }
      }
      if (i > 0) frame.childIndex++;
      latest = this.visit(child, frame);
    });
    if (!this.shouldGenerate(node, frame)) return latest;
    this.allowedChildError(node, frame, latest);
    const additionalError = { ...frame.obj };
    const patternError = frame.arr.length > 0 ? { operatorName: 'patternProperties', details: frame.arr } : undefined;
    if (Object.keys(additionalError).length === 0) return patternError;
    if (!patternError) return additionalError;
    return [additionalError, patternError];
  }

  private visitMatchArrayIndex(node: MatchArrayIndexNode, frame: Frame): NodeError {
    if (this.shouldGenerate(node, frame)) {
      const v = valueAt(frame.doc, node.path) as unknown[];
      frame.obj.itemIndex = node.index;
      frame.childInput = { doc: { [PLACEHOLDER]: v[node.index] }, inverted: frame.inverted };
    }
    const latest = this.visit(node.child, frame);
    if (this.shouldGenerate(node, frame) && latest !== undefined) frame.obj.details = latest;
    return this.finish(node, frame, latest);
  }

  private visitAllElemMatch(node: AllElemMatchFromIndexNode, frame: Frame): NodeError {
    const additional = node.annotation.annotation.additionalItems;
    const v = this.keywordValue(node, frame, ARRAY_TYPES);
    if (v === MISSING) return undefined;
    const values = v as unknown[];
    if (node.annotation.tag === 'additionalItems' && typeof additional === 'boolean') {
      this.errorDetails(node, frame);
      this.reason(frame, 'found additional items', '');
      frame.obj.additionalItems = values.slice(node.start);
      return frame.obj;
    }
    this.operatorName(node, frame);
    this.schemaAnnotations(node.child, frame.obj);
    const reason = node.annotation.tag === 'items' ? 'At least one item did not match the sub-schema' : 'At least one additional item did not match the sub-schema';
    this.reason(frame, reason, '');
    const index = node.firstMismatch(values);
    frame.obj.itemIndex = index;
    frame.childInput = { doc: { [PLACEHOLDER]: values[index] }, inverted: frame.inverted };
    const latest = this.visit(node.child, frame);
    if (latest !== undefined) frame.obj.details = latest;
    return frame.obj;
  }
}

/**
 * The details mongod reports for `doc`, which fails the `$jsonSchema` whose match tree is `root`; `inverted` when
 * the schema sits where matching it is the failure (under `$nor`).
 */
export function jsonSchemaValidationError(root: SchemaNode, doc: Document, inverted = false): Document {
  const error = new Walker(doc).visit(root, null, { doc, inverted });
  return (error ?? {}) as Document;
}
