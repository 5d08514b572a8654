// SPDX-License-Identifier: MIT
#include "CollaborationPlugin.h"

#include "CollaborationDialog.h"
#include "CollaborationSession.h"
#include "PluginOptions.h"
#include "HistoryPanel.h"
#include "HistoryPlayback.h"
#include "HistoryRequest.h"
#include "MessageFactory.h"
#include "RecordingPlayer.h"
#include "EditAwareness.h"
#include "EditingPresence.h"
#include "FollowController.h"
#include "NoticeWidget.h"
#include "PresenceManager.h"
#include "StatusWidget.h"

#include <optiverse/ieditinghost.h>
#include <optiverse/ihost.h>
#include <optiverse/iviewhost.h>
#include <optiverse/ipresencehost.h>
#include <optiverse/iscene.h>
#include <optiverse/iscenekeys.h>
#include <optiverse/isessionhost.h>
#include <optiverse/iundohost.h>

#include "CollabServer.h"

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
    if (!options.replayFile.isEmpty()) {
        // Read and checked whole before anything is applied.
        RecordingPlayer player(host->scene(), queryInterface<ISceneKeys>(host));
        qint64 last = -1;
        QString why;
        if (!player.replayFile(options.replayFile, options.replayUntil, &last, &why)) {
            *errorString = QStringLiteral("--collab-replay: %1").arg(why);
            return false;
        }
        if (!why.isEmpty())
            qCWarning(lcPlugin).noquote() << "--collab-replay: the host refused" << why;
        qCInfo(lcPlugin).noquote() << "replayed" << options.replayFile << "up to seq" << last << ":"
                                   << player.shown().size() << "item(s)";
    }

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
    m_reconnectAction = m_menu->addAction(tr("&Reconnect Now"), this, [this] { m_session->client()->reconnectNow(); });
    m_reconnectAction->setObjectName(QStringLiteral("CollaborationReconnectAction"));
    m_historyAction = m_menu->addAction(tr("Session &History…"), this, &CollaborationPlugin::openHistory);
    m_historyAction->setObjectName(QStringLiteral("CollaborationHistoryAction"));
    m_host->addMenu(m_menu);

    m_status = new StatusWidget(client);
    m_host->addStatusWidget(m_status);
    // An edit that will not reach the others must not go unnoticed.
    connect(m_session->sync(), &SyncManager::editDropped, m_status, &StatusWidget::showNotice);
    // Nor one the server could not store yet: the status says so while it lasts.
    m_status->setSync(m_session->sync());

    // Contract 1.1: a host that can delete keys gets deletions synced.
    m_session->sync()->setSceneKeys(queryInterface<ISceneKeys>(host));
    // The presence channel always runs: pointers and selections need
    // IPresenceHost, the awareness extensions their own optional interfaces.
    m_presence = std::make_unique<PresenceManager>(queryInterface<IPresenceHost>(host), client);
    // Who is editing what: drags from every host, properties dialogs and the
    // outlines from hosts offering IEditingHost (contract 1.3).
    m_editing = std::make_unique<EditingPresence>(host->scene(), queryInterface<IEditingHost>(host),
                                                  m_presence.get(), client);

    // Who wrote what: overwrite notices, and (contract 1.2, hosts offering
    // IUndoHost) an Undo that never silently destroys someone else's newer change.
    m_notice = new NoticeWidget;
    m_host->addStatusWidget(m_notice);
    m_notice->hide(); // shown with the first notice
    // ...and a notice says which edit, once, in words.
    connect(m_session->sync(), &SyncManager::editNotStored, m_notice, [this](const QString &text) { m_notice->showNotice(text); });
    m_awareness = std::make_unique<EditAwareness>(host->scene(), queryInterface<IUndoHost>(host), m_session.get(), m_notice);
    m_awareness->setEditingHost(queryInterface<IEditingHost>(host));
    // Follow a collaborator, Jump to, Show (hosts offering IViewHost, contract 1.3).
    if (auto *view = queryInterface<IViewHost>(host)) {
        m_follow = std::make_unique<FollowController>(view, host->scene(), m_presence.get(), client, host->mainWindow());
        connect(m_follow.get(), &FollowController::notice, m_notice, [this](const QString &text) { m_notice->showNotice(text); });
        m_status->setFollow(m_follow.get());
        m_awareness->setViewHost(view);
    }

    // What to paste into Connect: the session goes with the address.
    connect(m_session.get(), &CollaborationSession::hostingSession, this,
            [](const QString &, const QStringList &urls) {
                for (const QString &url : urls)
                    qCInfo(lcPlugin).noquote() << "URL to share:" << url;
            });
    connect(client, &CollabClient::stateChanged, this, &CollaborationPlugin::updateActions);
    connect(client, &CollabClient::usersChanged, this, &CollaborationPlugin::updateActions);
    connect(m_session.get(), &CollaborationSession::serverStateChanged, this, &CollaborationPlugin::updateActions);
    updateActions();

    m_sessionHost = queryInterface<ISessionHost>(host);
    if (m_sessionHost) {
        connect(m_session->sync(), &SyncManager::participationChanged, this, &CollaborationPlugin::updateHostHints);
        connect(client, &CollabClient::usersChanged, this, &CollaborationPlugin::updateHostHints);
        connect(m_session.get(), &CollaborationSession::serverStateChanged, this, [this](bool running) {
            if (running)
                connect(m_session->server(), &CollabServer::connectionCountChanged, this,
                        &CollaborationPlugin::updateHostHints);
            updateHostHints();
        });
        if (m_session->server())
            connect(m_session->server(), &CollabServer::connectionCountChanged, this,
                    &CollaborationPlugin::updateHostHints);
    }

    if (options.restoreSeq >= 0) {
        // Once, right after the first join: the server applies it as ordinary commands.
        const qint64 seq = options.restoreSeq;
        auto once = std::make_shared<QMetaObject::Connection>();
        *once = connect(client, &CollabClient::joined, this, [client, seq, once](bool) {
            QObject::disconnect(*once);
            HistoryRequest request;
            request.kind = HistoryRequest::Kind::Restore;
            request.seq = seq;
            request.requestId = QStringLiteral("collab-restore");
            client->send(MessageFactory::toBytes(request.toJson()));
            qCInfo(lcPlugin).noquote() << "asked the session to restore seq" << seq;
        });
    }
    if (options.host) {
        qCInfo(lcPlugin).noquote() << "hosting on" << m_session->shareUrls().join(QLatin1String(", "));
        m_session->join(m_session->localServerUrl(), options.session, options.name,
                        SyncManager::JoinMode::ShareLocalScene, options.password);
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
    delete m_history;
    if (m_sessionHost) {
        m_sessionHost->setSessionTitle(this, QString());
        m_sessionHost->setShutdownWarning(this, QString());
        m_sessionHost = nullptr;
    }
    disconnect(m_session.get(), nullptr, this, nullptr);
    disconnect(m_session->client(), nullptr, this, nullptr);
    disconnect(m_session->sync(), nullptr, this, nullptr);
    m_session->shutdown();
    if (m_status)
        m_status->setFollow(nullptr);
    m_follow.reset();
    m_awareness.reset();
    m_host->removeStatusWidget(m_notice);
    delete m_notice;
    m_notice = nullptr;
    m_editing.reset();
    m_presence.reset();
    m_host->removeStatusWidget(m_status);
    delete m_status;
    m_status = nullptr;
    m_host->removeMenu(m_menu);
    delete m_menu;
    m_menu = nullptr;
    m_connectAction = m_disconnectAction = m_reconnectAction = m_historyAction = nullptr;
    m_session.reset();
    m_host = nullptr;
}

void CollaborationPlugin::openHistory()
{
    if (!m_history) {
        m_history = new HistoryPanel(m_session->client(), m_host->mainWindow());
        auto *playback = new HistoryPlayback(m_session->client(), m_session->sync(), m_host->scene(),
                                             queryInterface<ISceneKeys>(m_host),
                                             HistoryPlayback::mainWindowLock(m_host->mainWindow()), m_history);
        m_history->attach(m_host->scene(), queryInterface<IPresenceHost>(m_host), playback);
        m_host->mainWindow()->addDockWidget(Qt::RightDockWidgetArea, m_history);
    }
    m_history->show();
    m_history->raise();
    m_history->refresh();
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
    const CollabClient::State state = m_session->client()->state();
    const bool inSession = state != CollabClient::State::Disconnected;
    m_disconnectAction->setEnabled(inSession || m_session->isServerRunning());
    // Only a working connection locks the dialog out: while connecting or
    // reconnecting the user may want to fix the address, and alone in a new
    // session while others are in another one, join theirs.
    m_connectAction->setEnabled(state != CollabClient::State::Connected || m_session->isServerRunning()
                                || !StatusWidget::newSessionText(m_session->client()).isEmpty());
    m_reconnectAction->setEnabled(state == CollabClient::State::Reconnecting);
}

void CollaborationPlugin::updateHostHints()
{
    if (!m_sessionHost || !m_session)
        return;
    const CollabClient *client = m_session->client();
    const auto p = m_session->sync()->participation();
    const bool in = p == SyncManager::Participation::InSession || p == SyncManager::Participation::Dropped;
    const QString name = client->userId().isEmpty() ? client->requestedName() : client->userId();
    m_sessionHost->setSessionTitle(this, in ? tr("%1 — %2").arg(name, client->session()) : QString());
    // Others connected to the server in this window lose their session with it.
    int others = 0;
    if (m_session->isServerRunning()) {
        others = m_session->server()->connectionCount();
        if (client->state() == CollabClient::State::Connected && client->serverUrl() == m_session->localServerUrl())
            --others;
    }
    m_sessionHost->setShutdownWarning(
        this, others > 0 ? tr("%n other user(s) connected to the server running in this window. "
                              "It stops, and their session ends.", nullptr, others)
                         : QString());
}

} // namespace Optiverse::Collab
