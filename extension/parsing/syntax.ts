/**
 * The slice of the tree-sitter node API that both backends (web-tree-sitter and the native
 * binding) provide. The rest of the project sees only these types.
 */
export interface Point {
  row: number;
  column: number;
}

export interface SyntaxNode {
  readonly type: string;
  readonly text: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly startPosition: Point;
  readonly endPosition: Point;
  readonly children: SyntaxNode[];
  readonly namedChildren: SyntaxNode[];
  readonly childCount: number;
  readonly parent: SyntaxNode | null;
  readonly isMissing: boolean;
  readonly hasError: boolean;
  readonly isError: boolean;
  childForFieldName(field: string): SyntaxNode | null;
  walk(): SyntaxCursor;
}

export interface SyntaxCursor {
  readonly nodeType: string;
  readonly currentNode: SyntaxNode;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
}

export interface SyntaxTree {
  readonly rootNode: SyntaxNode;
}

export interface QueryCapture {
  name: string;
  node: SyntaxNode;
}

export interface CompiledQuery {
  captures(node: SyntaxNode): QueryCapture[];
}
