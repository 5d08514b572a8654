// SPDX-License-Identifier: MIT
// A foreign Qt plugin. If the host ever loaded it, the static initializer
// below would mark the process, which the tests check for.
#include <QObject>
#include <QtGlobal>

namespace {
const bool g_loaded = qputenv("OPTIVERSE_TESTPLUGIN_WRONGIID_LOADED", "1");
}

class TestWrongIidPlugin : public QObject
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID "org.example.NotOptiverse/1.0" FILE "testplugin_wrongiid.json")

public:
    bool loaded() const { return g_loaded; }
};

#include "testplugin_wrongiid.moc"
