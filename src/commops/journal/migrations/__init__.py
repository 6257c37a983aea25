"""The PostgreSQL journal's schema, as numbered SQL files (``NNNN_name.sql``) applied in order by
``commops journal migrate``; a file once released is never edited, a change is a new file."""

__all__: list[str] = []
