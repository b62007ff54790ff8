; What the function index records inside function bodies. Capture names are read by
; extension/parsing/functionIndex.ts.

; direct calls: foo(...)
(call_expression function: (identifier) @call.direct)

; calls through a function pointer in a struct: ops->invalidate(...), rwc.rmap_one(...)
(call_expression function: (field_expression field: (field_identifier) @call.indirect))

(labeled_statement label: (statement_identifier) @label)
(goto_statement label: (statement_identifier) @goto)
