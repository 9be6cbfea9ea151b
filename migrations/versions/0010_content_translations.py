"""course content translations

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# The tables whose texts a course file can translate; lessons also keep translated bodies.
TABLES = ('programmes', 'module_versions', 'lessons', 'reflection_prompts', 'questions', 'options')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=True))
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_translations', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_column('body_translations')
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('translations')
