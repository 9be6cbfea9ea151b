# The parts of WTForms 3.3 that this code uses. types-WTForms describes 3.2, without 3.3's
# SelectChoice and the select fields' messages, so these stubs follow the 3.3 source instead.
from wtforms import validators as validators
from wtforms.fields.choices import SelectChoice as SelectChoice
from wtforms.fields.choices import SelectField as SelectField
from wtforms.fields.choices import SelectFieldBase as SelectFieldBase
from wtforms.fields.core import Field as Field
from wtforms.fields.core import Label as Label
from wtforms.fields.datetime import DateField as DateField
from wtforms.fields.datetime import DateTimeField as DateTimeField
from wtforms.fields.datetime import TimeField as TimeField
from wtforms.fields.numeric import IntegerField as IntegerField
from wtforms.fields.simple import BooleanField as BooleanField
from wtforms.fields.simple import EmailField as EmailField
from wtforms.fields.simple import FileField as FileField
from wtforms.fields.simple import HiddenField as HiddenField
from wtforms.fields.simple import PasswordField as PasswordField
from wtforms.fields.simple import StringField as StringField
from wtforms.fields.simple import TextAreaField as TextAreaField
from wtforms.form import Form as Form
from wtforms.validators import ValidationError as ValidationError
