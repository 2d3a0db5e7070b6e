// The system libyaml (Debian: libyaml-dev). A local header so the module map names no absolute path.
#include <yaml.h>
