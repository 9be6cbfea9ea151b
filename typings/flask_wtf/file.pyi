from werkzeug.datastructures import FileStorage
from wtforms import FileField as _FileField
from wtforms.validators import DataRequired

class FileField(_FileField):
    # Only a file that was sent: an empty upload leaves the data as it was.
    data: FileStorage | None

class FileRequired(DataRequired): ...
