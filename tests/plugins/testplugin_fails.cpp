// SPDX-License-Identifier: MIT
// A compatible plugin whose initialize() fails, like a plugin given a bad URL.
#include <optiverse/ihost.h>
#include <optiverse/iplugin.h>

#include <QMainWindow>
#include <QObject>

class TestFailsPlugin : public QObject, public Optiverse::IPlugin
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID OPTIVERSE_IPLUGIN_IID FILE "testplugin_fails.json")
    Q_INTERFACES(Optiverse::IPlugin)

public:
    bool initialize(Optiverse::IHost *host, const QStringList &arguments,
                    QString *errorString) override
    {
        Q_UNUSED(arguments)
        host->mainWindow()->setProperty("testplugin_fails.initializeCount",
            host->mainWindow()->property("testplugin_fails.initializeCount").toInt() + 1);
        *errorString = QStringLiteral("TestFails refuses to start: this plugin always fails.");
        return false; // and, as required, leaves nothing behind
    }

    void shutdown() override
    {
        qFatal("TestFails: shutdown() must never be called after a failed initialize()");
    }
};

#include "testplugin_fails.moc"
