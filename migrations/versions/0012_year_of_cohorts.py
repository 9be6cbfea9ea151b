"""a year of cohorts: invitation times, attendance grace, voided marks

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

STATUS = sa.Enum('present', 'late', 'excused', 'absent', name='attendancestatus', native_enum=False, length=16)


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_sent_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('cohort_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opens_minutes_before', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('attendance_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=200), server_default='', nullable=False))
        batch_op.alter_column('new_status', existing_type=STATUS, nullable=True)

    # Everyone already known was invited when they were created (the import did it at once),
    # and everyone already placed at a session had their invitation then: the nightly job
    # must not invite them again.
    users = sa.table('users', sa.column('created_at', sa.DateTime(timezone=True)), sa.column('invitation_sent_at', sa.DateTime(timezone=True)))
    op.execute(users.update().values(invitation_sent_at=users.c.created_at))
    members = sa.table('cohort_members', sa.column('session_id', sa.Integer()), sa.column('assigned_at', sa.DateTime(timezone=True)), sa.column('invited_at', sa.DateTime(timezone=True)))
    op.execute(members.update().where(members.c.session_id.is_not(None)).values(invited_at=members.c.assigned_at))


def downgrade():
    changes = sa.table('attendance_changes', sa.column('new_status', sa.String(16)))
    op.execute(changes.delete().where(changes.c.new_status.is_(None)))
    with op.batch_alter_table('attendance_changes', schema=None) as batch_op:
        batch_op.alter_column('new_status', existing_type=STATUS, nullable=False)
        batch_op.drop_column('reason')

    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.drop_column('invited_at')

    with op.batch_alter_table('cohort_sessions', schema=None) as batch_op:
        batch_op.drop_column('opens_minutes_before')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('invitation_sent_at')
