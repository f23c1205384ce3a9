"""`sofs-sync demo`: three synthetic authorities, one per connector type and source shape.

`population` makes the caseload; `liquidlogic`, `rest_records` and `filedrop` render it in their
source's own shape with its authority file; `server` is the REST authority's API on loopback;
`build` lays out a demo folder. Nothing here holds a name, a birth date or narrative.
"""
