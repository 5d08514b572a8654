// SPDX-License-Identifier: MIT
// Declares our IID but metadata "Interface" 2.0: the host must refuse it from
// metadata alone. The static initializer would reveal a load.
#include <optiverse/ihost.h>
#include <optiverse/iplugin.h>

#include <QObject>

namespace {
const bool g_loaded = qputenv("OPTIVERSE_TESTPLUGIN_BADINTERFACE_LOADED", "1");
}

class TestBadInterfacePlugin : public QObject, public Optiverse::IPlugin
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID OPTIVERSE_IPLUGIN_IID FILE "testplugin_badinterface.json")
    Q_INTERFACES(Optiverse::IPlugin)

public:
    bool initialize(Optiverse::IHost *, const QStringList &, QString *errorString) override
    {
        *errorString = QStringLiteral("BadInterface must never be initialized (loaded: %1).")
                           .arg(g_loaded ? QStringLiteral("yes") : QStringLiteral("no"));
        return false;
    }
    void shutdown() override {}
};

#include "testplugin_badinterface.moc"
