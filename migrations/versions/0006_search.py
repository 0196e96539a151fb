"""Full-text search: search_document with FTS5 (SQLite) or tsvector + GIN (PostgreSQL)

The index is filled from what exists: each charter's head and latest published version,
every amendment and every comment.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24

"""
import re

from alembic import op
import sqlalchemy as sa

from charter.text.anchor import plain_text


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(title, body, "
    "content='search_document', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_document_au AFTER UPDATE OF title, body ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
)
POSTGRES_DDL = (
    "ALTER TABLE search_document ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, body), 'B')) STORED",
    "CREATE INDEX ix_search_document_search_vector ON search_document USING gin (search_vector)",
)

# The tables as they are at this revision (not the models, which move on).
document = sa.table(
    'search_document',
    *(sa.column(name) for name in (
        'charter_id', 'kind', 'version_id', 'section_key', 'amendment_id', 'comment_id', 'title',
        'body', 'council_id', 'author_id', 'amendment_state', 'amendment_author_id', 'hidden',
    )),
)
version = sa.table('version', sa.column('id'), sa.column('charter_id'), sa.column('number'))
publication = sa.table('publication', sa.column('version_id'))
version_section = sa.table(
    'version_section', sa.column('version_id'), sa.column('key'), sa.column('heading'),
    sa.column('text_hash'),
)
section_text = sa.table('section_text', sa.column('hash'), sa.column('body'))
amendment = sa.table(
    'amendment', *(sa.column(name) for name in (
        'id', 'charter_id', 'title', 'justification', 'council_id', 'author_id', 'state',
    )),
)
operation = sa.table(
    'amendment_operation', sa.column('amendment_id'), sa.column('position'),
    sa.column('heading'), sa.column('text'),
)
comment = sa.table(
    'comment', *(sa.column(name) for name in (
        'id', 'charter_id', 'question_id', 'amendment_id', 'section_key', 'version_id',
        'author_id', 'body', 'hidden_at', 'deleted_at',
    )),
)
_MARKUP = re.compile(r"[\\`*_\[\]<>&#|~!]|^\s*(?:[-+=]|\d+[.)])", re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _plain(markdown):
    if not markdown:
        return ""
    text = plain_text(markdown) if _MARKUP.search(markdown) else " ".join(markdown.split())
    return _CONTROL.sub(" ", text)


def _row(charter_id, kind, **values):
    row = dict.fromkeys(
        ('version_id', 'section_key', 'amendment_id', 'comment_id', 'council_id', 'author_id',
         'amendment_state', 'amendment_author_id')
    )
    row.update(charter_id=charter_id, kind=kind, title="", body="", hidden=False)
    row.update(values)
    row['title'] = _CONTROL.sub(" ", row['title'] or "")
    return row


def _insert(bind, rows):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == 2000:
            bind.execute(document.insert(), batch)
            batch = []
    if batch:
        bind.execute(document.insert(), batch)


def _backfill(bind):
    """Index what exists: each charter's head and latest published version, every amendment
    and every comment (as charter.search.index does for new ones)."""
    heads = sa.select(version.c.charter_id, sa.func.max(version.c.number).label('number'))
    published = heads.join(publication, publication.c.version_id == version.c.id)
    keep = {}
    for query in (heads, published):
        numbers = query.group_by(version.c.charter_id).subquery()
        for version_id, charter_id in bind.execute(
            sa.select(version.c.id, version.c.charter_id).join(
                numbers,
                (numbers.c.charter_id == version.c.charter_id)
                & (numbers.c.number == version.c.number),
            )
        ):
            keep[version_id] = charter_id
    if keep:
        rows = bind.execute(
            sa.select(version_section.c.version_id, version_section.c.key,
                      version_section.c.heading, section_text.c.body)
            .join(section_text, section_text.c.hash == version_section.c.text_hash)
            .where(version_section.c.version_id.in_(list(keep)))
        )
        _insert(bind, (
            _row(keep[version_id], 'section', version_id=version_id, section_key=key,
                 title=heading, body=_plain(body))
            for version_id, key, heading, body in rows
        ))

    texts = {}
    for amendment_id, heading, text in bind.execute(
        sa.select(operation.c.amendment_id, operation.c.heading, operation.c.text)
        .order_by(operation.c.amendment_id, operation.c.position)
    ):
        texts.setdefault(amendment_id, []).extend(filter(None, (heading, _plain(text))))
    _insert(bind, (
        _row(charter_id, 'amendment', amendment_id=amendment_id, title=title,
             body="\n".join([_plain(justification), *texts.get(amendment_id, [])]),
             council_id=council_id, author_id=author_id, amendment_state=state,
             amendment_author_id=author_id)
        for amendment_id, charter_id, title, justification, council_id, author_id, state
        in bind.execute(sa.select(
            amendment.c.id, amendment.c.charter_id, amendment.c.title,
            amendment.c.justification, amendment.c.council_id, amendment.c.author_id,
            amendment.c.state,
        ))
    ))

    rows = bind.execute(
        sa.select(
            comment.c.id, comment.c.charter_id, comment.c.question_id, comment.c.amendment_id,
            comment.c.section_key, comment.c.version_id, comment.c.author_id, comment.c.body,
            comment.c.hidden_at, comment.c.deleted_at, amendment.c.state, amendment.c.author_id,
        ).select_from(comment.outerjoin(amendment, amendment.c.id == comment.c.amendment_id))
    )
    _insert(bind, (
        _row(charter_id, 'answer' if question_id is not None else 'comment',
             comment_id=comment_id, amendment_id=amendment_id, section_key=section_key,
             version_id=version_id, author_id=author_id, body=_plain(body),
             hidden=hidden_at is not None or deleted_at is not None,
             amendment_state=state, amendment_author_id=amendment_author_id)
        for (comment_id, charter_id, question_id, amendment_id, section_key, version_id,
             author_id, body, hidden_at, deleted_at, state, amendment_author_id) in rows
    ))


def upgrade():
    op.create_table('search_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charter_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('section_key', sa.String(length=80), nullable=True),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('amendment_state', sa.String(length=20), nullable=True),
    sa.Column('amendment_author_id', sa.Integer(), nullable=True),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], name=op.f('fk_search_document_amendment_id_amendment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['charter_id'], ['charter.id'], name=op.f('fk_search_document_charter_id_charter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_search_document_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['version.id'], name=op.f('fk_search_document_version_id_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_document'))
    )
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.create_index('ix_search_document_amendment', ['amendment_id'], unique=False)
        batch_op.create_index('ix_search_document_charter_kind', ['charter_id', 'kind'], unique=False)
        batch_op.create_index('ix_search_document_comment', ['comment_id'], unique=False)
        batch_op.create_index('ix_search_document_version', ['version_id'], unique=False)

    bind = op.get_bind()
    statements = {'sqlite': SQLITE_DDL, 'postgresql': POSTGRES_DDL}.get(bind.dialect.name, ())
    for statement in statements:
        op.execute(statement)
    _backfill(bind)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TABLE IF EXISTS search_fts")  # the triggers go with search_document
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.drop_index('ix_search_document_version')
        batch_op.drop_index('ix_search_document_comment')
        batch_op.drop_index('ix_search_document_charter_kind')
        batch_op.drop_index('ix_search_document_amendment')

    op.drop_table('search_document')
