// SPDX-License-Identifier: MIT
// A well-behaved plugin. It reports what happened to it through dynamic
// properties on the host's main window, so tests need no shared code with it.
#include <optiverse/ihost.h>
#include <optiverse/iplugin.h>
#include <optiverse/ipresencehost.h>
#include <optiverse/iscene.h>

#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QObject>
#include <QPointer>

class TestOkPlugin : public QObject, public Optiverse::IPlugin
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID OPTIVERSE_IPLUGIN_IID FILE "testplugin_ok.json")
    Q_INTERFACES(Optiverse::IPlugin)

public:
    bool initialize(Optiverse::IHost *host, const QStringList &arguments,
                    QString *errorString) override
    {
        Q_UNUSED(errorString)
        m_host = host;
        QMainWindow *window = host->mainWindow();
        window->setProperty("testplugin_ok.arguments", arguments);
        window->setProperty("testplugin_ok.initializeCount",
                            window->property("testplugin_ok.initializeCount").toInt() + 1);
        window->setProperty("testplugin_ok.hasPresence",
                            Optiverse::queryInterface<Optiverse::IPresenceHost>(host) != nullptr);

        m_menu = new QMenu(QStringLiteral("Test Ok"));
        m_menu->setObjectName(QStringLiteral("testplugin_ok_menu"));
        m_menu->addAction(QStringLiteral("Hello"));
        host->addMenu(m_menu);
        m_status = new QLabel(QStringLiteral("TestOk ready"));
        m_status->setObjectName(QStringLiteral("testplugin_ok_status"));
        host->addStatusWidget(m_status);

        const qsizetype i = arguments.indexOf(QStringLiteral("--testplugin-add"));
        if (i >= 0 && i + 1 < arguments.size()) {
            const Optiverse::SceneItem item{QUuid::fromString(arguments.at(i + 1)),
                                            QStringLiteral("component"),
                                            {{QStringLiteral("added_by"), QStringLiteral("testplugin_ok")}}};
            host->scene()->addItem(item, Optiverse::ChangeOrigin::Remote, nullptr);
        }
        return true;
    }

    void shutdown() override
    {
        // Reverse order of initialize(), as the contract asks.
        m_host->removeStatusWidget(m_status);
        delete m_status;
        m_host->removeMenu(m_menu);
        delete m_menu;
        QMainWindow *window = m_host->mainWindow();
        window->setProperty("testplugin_ok.shutdownCount",
                            window->property("testplugin_ok.shutdownCount").toInt() + 1);
        m_host = nullptr;
    }

private:
    Optiverse::IHost *m_host = nullptr;
    QMenu *m_menu = nullptr;
    QLabel *m_status = nullptr;
};

#include "testplugin_ok.moc"
