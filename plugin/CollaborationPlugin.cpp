// SPDX-License-Identifier: MIT
#include "CollaborationPlugin.h"

#include "CollaborationDialog.h"
#include "CollaborationSession.h"
#include "PluginOptions.h"
#include "PresenceManager.h"
#include "StatusWidget.h"

#include <optiverse/ihost.h>
#include <optiverse/ipresencehost.h>
#include <optiverse/iscene.h>

#include <QLoggingCategory>
#include <QMainWindow>
#include <QMenu>

Q_LOGGING_CATEGORY(lcPlugin, "optiverse.collab", QtInfoMsg)

namespace Optiverse::Collab {

CollaborationPlugin::CollaborationPlugin() = default;

// The host calls shutdown() while it is still alive; by the time the library
// is unloaded the host may be gone, so the destructor must not touch it.
CollaborationPlugin::~CollaborationPlugin() = default;

bool CollaborationPlugin::initialize(IHost *host, const QStringList &arguments, QString *errorString)
{
    PluginOptions options;
    if (!PluginOptions::parse(arguments, &options, errorString))
        return false;

    auto session = std::make_unique<CollaborationSession>(host->scene());
    session->setAdvertising(options.advertise, options.name);
    if (options.host && !session->startServer(options.hostAddress, options.hostPort, errorString, options.password))
        return false;

    m_host = host;
    m_session = std::move(session);
    CollabClient *client = m_session->client();

    // Every remote change applied, for logs and the headless demo.
    connect(m_session->sync(), &SyncManager::remoteCommandApplied, this,
            [](const QString &user, const Command &c) {
                qCInfo(lcPlugin).noquote() << "applied" << Command::actionName(c.action) << c.itemType << c.itemId
                                           << "from" << user;
            });
    connect(m_session->sync(), &SyncManager::editDropped, this,
            [](const QString &why) { qCWarning(lcPlugin).noquote() << why; });
    connect(client, &CollabClient::errorOccurred, this,
            [](const QString &why) { qCWarning(lcPlugin).noquote() << "collaboration:" << why; });

    m_menu = new QMenu(tr("&Collaboration"));
    m_menu->setObjectName(QStringLiteral("CollaborationMenu"));
    m_connectAction = m_menu->addAction(tr("&Connect/Host Session…"), this, &CollaborationPlugin::openDialog);
    m_connectAction->setObjectName(QStringLiteral("CollaborationConnectAction"));
    m_disconnectAction = m_menu->addAction(tr("&Disconnect"), this, [this] { m_session->shutdown(); });
    m_disconnectAction->setObjectName(QStringLiteral("CollaborationDisconnectAction"));
    m_host->addMenu(m_menu);

    m_status = new StatusWidget(client);
    m_host->addStatusWidget(m_status);
    // An edit that will not reach the others must not go unnoticed.
    connect(m_session->sync(), &SyncManager::editDropped, m_status, &StatusWidget::showNotice);

    if (auto *presenceHost = queryInterface<IPresenceHost>(host))
        m_presence = std::make_unique<PresenceManager>(presenceHost, client);

    connect(client, &CollabClient::stateChanged, this, &CollaborationPlugin::updateActions);
    connect(m_session.get(), &CollaborationSession::serverStateChanged, this, &CollaborationPlugin::updateActions);
    updateActions();

    if (options.host) {
        m_session->join(m_session->localServerUrl(), options.session, options.name,
                        SyncManager::JoinMode::ShareLocalScene, options.password);
        qCInfo(lcPlugin).noquote() << "hosting on" << m_session->shareUrls().join(QLatin1String(", "));
    } else if (!options.connectUrl.isEmpty()) {
        m_session->join(options.connectUrl, options.session, options.name, SyncManager::JoinMode::ReplaceLocalScene,
                        options.password, options.pinnedSha256);
    }
    return true;
}

void CollaborationPlugin::shutdown()
{
    if (!m_host)
        return;
    // Reverse order of initialize().
    if (m_dialog)
        m_dialog->close();
    delete m_dialog;
    m_session->shutdown();
    m_presence.reset();
    m_host->removeStatusWidget(m_status);
    delete m_status;
    m_status = nullptr;
    m_host->removeMenu(m_menu);
    delete m_menu;
    m_menu = nullptr;
    m_connectAction = m_disconnectAction = nullptr;
    m_session.reset();
    m_host = nullptr;
}

QString CollaborationPlugin::commandLineHelp() const
{
    return PluginOptions::help();
}

void CollaborationPlugin::openDialog()
{
    if (!m_dialog) {
        IScene *scene = m_host->scene();
        m_dialog = new CollaborationDialog(m_session.get(), [scene] { return int(scene->items().size()); },
                                           m_host->mainWindow());
        m_dialog->setAttribute(Qt::WA_DeleteOnClose);
    }
    m_dialog->show();
    m_dialog->raise();
    m_dialog->activateWindow();
}

void CollaborationPlugin::updateActions()
{
    if (!m_session)
        return;
    const bool inSession = m_session->client()->state() != CollabClient::State::Disconnected;
    m_disconnectAction->setEnabled(inSession || m_session->isServerRunning());
    m_connectAction->setEnabled(!inSession || m_session->isServerRunning());
}

} // namespace Optiverse::Collab
