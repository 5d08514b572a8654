// SPDX-License-Identifier: MIT
#include "HistoryPanel.h"

#include "CollabClient.h"
#include "EditWords.h"
#include "HistoryPlayback.h"
#include "HistoryRequest.h"
#include "MessageFactory.h"
#include "SceneDifference.h"
#include "UserColor.h"

#include <optiverse/ipresencehost.h>
#include <optiverse/iscene.h>

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QLabel>
#include <QLocale>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QStyle>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QVBoxLayout>

#include <limits>

namespace Optiverse::Collab {

namespace {
constexpr int SeqsRole = Qt::UserRole + 1;  // QList<qint64> as QVariantList, newest first
constexpr qint64 BurstMs = 3000;            // same user, same item, same kind within this: one entry
constexpr int PageSize = 500;

const QString kPanelId = QStringLiteral("history-panel");
const QString kNamesId = QStringLiteral("history-panel-names");
const QString kDiffId = QStringLiteral("history-panel-diff");
const QString kOlderId = QStringLiteral("history-panel-older");

/// The data an item change knows of its item (the values written, else the old ones).
QJsonObject knownData(const QJsonObject &change)
{
    QJsonObject data = change.value(QLatin1String("before")).toObject();
    const QJsonObject after = change.value(QLatin1String("after")).toObject();
    for (auto it = after.begin(); it != after.end(); ++it)
        data.insert(it.key(), it.value());
    return data;
}

QString itemLabel(const QJsonObject &change, const ItemNamer &names)
{
    return names.name(change.value(QLatin1String("item_id")).toString(),
                      change.value(QLatin1String("item_type")).toString(), knownData(change));
}


qint64 timeOf(const QJsonObject &op) { return op.value(QLatin1String("time_ms")).toInteger(); }
QString groupId(const QJsonObject &op)
{
    return op.value(QLatin1String("group")).toObject().value(QLatin1String("id")).toString();
}
QString firstItem(const QJsonObject &op)
{
    return op.value(QLatin1String("changes")).toArray().at(0).toObject().value(QLatin1String("item_id")).toString();
}
QString actionOf(const QJsonObject &op)
{
    return op.value(QLatin1String("command")).toObject().value(QLatin1String("action")).toString();
}
} // namespace

HistoryPanel::HistoryPanel(CollabClient *client, QWidget *parent)
    : QDockWidget(tr("Session History"), parent), m_client(client)
{
    setObjectName(QStringLiteral("CollaborationHistoryPanel"));
    m_pageSize = PageSize;
    auto *body = new QWidget(this);
    auto *layout = new QVBoxLayout(body);
    auto *filters = new QHBoxLayout;
    m_userFilter = new QComboBox(body);
    m_userFilter->setObjectName(QStringLiteral("HistoryUserFilter"));
    m_userFilter->addItem(tr("Everyone"), QString());
    m_itemFilter = new QLineEdit(body);
    m_itemFilter->setObjectName(QStringLiteral("HistoryItemFilter"));
    m_itemFilter->setPlaceholderText(tr("Filter by item name or id"));
    m_itemFilter->setClearButtonEnabled(true);
    filters->addWidget(m_userFilter);
    filters->addWidget(m_itemFilter, 1);
    layout->addLayout(filters);
    m_connection = new QLabel(body);
    m_connection->setObjectName(QStringLiteral("HistoryConnectionState"));
    m_connection->setWordWrap(true);
    layout->addWidget(m_connection);
    m_tree = new QTreeWidget(body);
    m_tree->setObjectName(QStringLiteral("HistoryTree"));
    m_tree->setHeaderLabels({tr("Change"), tr("When")});
    m_tree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_tree->header()->setStretchLastSection(false); // the words get the room, not the time
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    layout->addWidget(m_tree, 1);
    m_older = new QPushButton(tr("Show older changes"), body);
    m_older->setObjectName(QStringLiteral("HistoryOlderButton"));
    m_older->setToolTip(tr("The list starts with the newest changes; this loads the ones before."));
    m_older->hide(); // until a page says there are older ones
    layout->addWidget(m_older);
    m_historyStart = new QLabel(body);
    m_historyStart->setObjectName(QStringLiteral("HistoryStartNote"));
    m_historyStart->setWordWrap(true);
    m_historyStart->hide();
    layout->addWidget(m_historyStart);
    m_status = new QLabel(body);
    m_status->setObjectName(QStringLiteral("HistoryStatus"));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    m_difference = new QLabel(body);
    m_difference->setObjectName(QStringLiteral("HistoryDifference"));
    m_difference->setWordWrap(true);
    m_difference->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_difference);
    auto *buttons = new QHBoxLayout;
    m_restore = new QPushButton(tr("Restore this version"), body);
    m_restore->setObjectName(QStringLiteral("HistoryRestoreButton"));
    m_revert = new QPushButton(tr("Revert this change"), body);
    m_revert->setObjectName(QStringLiteral("HistoryRevertButton"));
    m_name = new QPushButton(tr("Name this version…"), body);
    m_name->setObjectName(QStringLiteral("HistoryNameButton"));
    m_restore->setToolTip(tr("Makes the scene, for everyone, as it was right after the selected change."));
    m_revert->setToolTip(tr("Undoes the selected change for everyone, leaving later changes."));
    m_name->setToolTip(tr("Names the version right after the selected change, for everyone."));
    buttons->addWidget(m_restore);
    buttons->addWidget(m_revert);
    buttons->addWidget(m_name);
    layout->addLayout(buttons);
    auto *playRow = new QHBoxLayout;
    m_play = new QPushButton(tr("▶ Play"), body);
    m_play->setObjectName(QStringLiteral("HistoryPlayButton"));
    m_play->setToolTip(tr("Replays the session in your window from the selected change (from the start when none is "
                          "selected), then returns to the live scene. Nobody else sees it."));
    m_speed = new QComboBox(body);
    m_speed->setObjectName(QStringLiteral("HistoryPlaySpeed"));
    for (int speed : {1, 4, 16})
        m_speed->addItem(tr("%1×").arg(speed), speed);
    m_stop = new QPushButton(tr("■ Stop"), body);
    m_stop->setObjectName(QStringLiteral("HistoryStopButton"));
    m_pause = new QPushButton(tr("❚❚ Pause"), body);
    m_pause->setObjectName(QStringLiteral("HistoryPauseButton"));
    m_pause->setToolTip(tr("Holds the replay on the change it shows; Resume goes on from there."));
    m_position = new QSlider(Qt::Horizontal, body);
    m_position->setObjectName(QStringLiteral("HistoryPlayPosition"));
    m_position->setAccessibleName(tr("Replay position"));
    m_position->setToolTip(tr("Drag to show any change of the replay (arrow keys: one change)."));
    m_position->setPageStep(10);
    m_playStatus = new QLabel(body);
    m_playStatus->setObjectName(QStringLiteral("HistoryPlayStatus"));
    playRow->addWidget(m_play);
    playRow->addWidget(m_pause);
    playRow->addWidget(m_speed);
    playRow->addWidget(m_stop);
    layout->addLayout(playRow);
    layout->addWidget(m_position);
    layout->addWidget(m_playStatus);
    for (QWidget *w : playWidgets())
        w->hide(); // until attach() gives a playback engine
    setWidget(body);
    for (QPushButton *b : {m_restore, m_revert, m_name, m_older, m_play})
        m_toolTips.insert(b, b->toolTip());

    connect(m_client, &CollabClient::historyMessage, this, &HistoryPanel::onHistoryMessage);
    // New changes arrive as ordinary commands: refresh shortly after a burst.
    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(400);
    connect(&m_refreshTimer, &QTimer::timeout, this, &HistoryPanel::refresh);
    connect(m_client, &CollabClient::messageReceived, this, [this] {
        if (isVisible() && !m_refreshTimer.isActive())
            m_refreshTimer.start();
    });
    connect(m_client, &CollabClient::joined, this, [this](bool resumed) {
        if (!resumed) { // maybe another session: nothing of the last one stays
            m_entries.clear();
            m_versions.clear();
            m_nextBefore = -1;
            m_namesBaseSeq = -2;
            m_lastUpdate = {};
            rebuild();
        }
        m_everJoined = true;
        updateConnectionState();
        refresh();
    });
    connect(m_client, &CollabClient::stateChanged, this, &HistoryPanel::updateConnectionState);
    m_everJoined = !m_client->userId().isEmpty(); // opened while connected or reconnecting
    connect(m_userFilter, &QComboBox::currentIndexChanged, this, &HistoryPanel::rebuild);
    connect(m_itemFilter, &QLineEdit::textChanged, this, &HistoryPanel::rebuild);
    connect(m_tree, &QTreeWidget::itemSelectionChanged, this, &HistoryPanel::updateButtons);
    connect(m_tree, &QTreeWidget::itemSelectionChanged, this, &HistoryPanel::onSelection);
    connect(m_older, &QPushButton::clicked, this, &HistoryPanel::loadOlder);
    connect(m_restore, &QPushButton::clicked, this, &HistoryPanel::restoreSelected);
    connect(m_revert, &QPushButton::clicked, this, &HistoryPanel::revertSelected);
    connect(m_name, &QPushButton::clicked, this, &HistoryPanel::nameSelected);
    updateConnectionState();
}

bool HistoryPanel::connected() const
{
    return m_client->state() == CollabClient::State::Connected;
}

void HistoryPanel::enableServerButton(QPushButton *button, bool enabled)
{
    // A button that cannot work says why rather than doing nothing.
    button->setEnabled(enabled && connected());
    if (connected())
        button->setToolTip(m_toolTips.value(button));
    else if (m_everJoined)
        button->setToolTip(tr("Needs the server: this window is not connected to the session."));
    else
        button->setToolTip(tr("Needs the server: connect to a session first."));
}

void HistoryPanel::updateConnectionState()
{
    if (connected()) {
        m_connection->setText(tr("Live (connected)"));
    } else if (m_everJoined) {
        m_refreshTimer.stop();
        m_connection->setText(m_lastUpdate.isValid()
                                  ? tr("As of %1 (not connected)").arg(m_lastUpdate.toString(QStringLiteral("HH:mm")))
                                  : tr("Not connected; no history was received."));
    } else {
        m_connection->setText(tr("Connect to see the session's history."));
    }
    enableServerButton(m_older, true);
    if (m_playback && m_playback->state() == HistoryPlayback::State::Idle) {
        enableServerButton(m_play, true);
        m_playStatus->setText(connected() ? tr("Live") : QString());
    }
    updateButtons();
}

void HistoryPanel::attach(IScene *scene, IPresenceHost *presence, HistoryPlayback *playback)
{
    m_scene = scene;
    m_presence = presence;
    m_playback = playback;
    if (!m_playback)
        return;
    for (QWidget *w : playWidgets())
        w->show();
    connect(m_play, &QPushButton::clicked, this, &HistoryPanel::play);
    connect(m_stop, &QPushButton::clicked, m_playback, &HistoryPlayback::stop);
    connect(m_pause, &QPushButton::clicked, this, [this] {
        if (m_playback->state() == HistoryPlayback::State::Paused)
            m_playback->resume();
        else
            m_playback->pause();
    });
    connect(m_position, &QSlider::valueChanged, m_playback, &HistoryPlayback::seek); // the user's moves only
    connect(m_speed, &QComboBox::currentIndexChanged, this,
            [this] { m_playback->setSpeed(m_speed->currentData().toInt()); });
    connect(m_playback, &HistoryPlayback::stateChanged, this, &HistoryPanel::onPlaybackState);
    connect(m_playback, &HistoryPlayback::failed, this, [this](const QString &why) { m_playStatus->setText(why); });
    connect(m_playback, &HistoryPlayback::progressed, this, &HistoryPanel::onPlaybackProgress);
    onPlaybackState();
}

QList<QWidget *> HistoryPanel::playWidgets() const
{
    return {m_play, m_pause, m_speed, m_stop, m_position, m_playStatus};
}

void HistoryPanel::onPlaybackProgress(qint64 seq, int played, int total)
{
    {
        const QSignalBlocker quiet(m_position); // following the replay is not a seek
        m_position->setRange(0, total);
        m_position->setValue(played);
    }
    Q_UNUSED(seq) // the list shows changes by what and when, never by their number on the server
    const HistoryOperation *op = m_playback->current();
    const bool paused = m_playback->state() == HistoryPlayback::State::Paused;
    QString text = paused ? tr("Paused: change %1 of %2").arg(played).arg(total)
                          : tr("Playing: change %1 of %2").arg(played).arg(total);
    if (op) {
        text += tr(" — %1, %2").arg(QDateTime::fromMSecsSinceEpoch(op->timeMs).toString(QStringLiteral("HH:mm:ss")),
                                    describeChange(op->toJson(), m_names));
    }
    m_playStatus->setText(text);
    m_playStatus->setToolTip(text);
}

void HistoryPanel::play()
{
    const QList<qint64> seqs = selectedSeqs();
    // From the version just before the selected entry (its oldest seq).
    const qint64 from = seqs.isEmpty() ? m_baseSeq : seqs.last() - 1;
    highlight({}, {});
    m_playback->play(from, m_speed->currentData().toInt());
}

void HistoryPanel::onPlaybackState()
{
    const HistoryPlayback::State state = m_playback->state();
    enableServerButton(m_play, state == HistoryPlayback::State::Idle);
    const bool replaying = state == HistoryPlayback::State::Playing || state == HistoryPlayback::State::Paused;
    m_stop->setEnabled(state == HistoryPlayback::State::Loading || replaying);
    m_pause->setEnabled(replaying);
    m_pause->setText(state == HistoryPlayback::State::Paused ? tr("▶ Resume") : tr("❚❚ Pause"));
    m_position->setEnabled(replaying);
    switch (state) {
    case HistoryPlayback::State::Idle: {
        const QSignalBlocker quiet(m_position);
        m_position->setRange(0, 0);
        m_playStatus->setText(connected() ? tr("Live") : QString());
        onSelection(); // the outline and differences, against the live scene again
        break;
    }
    case HistoryPlayback::State::Loading:
        m_playStatus->setText(tr("Loading the history…"));
        break;
    case HistoryPlayback::State::Playing:
    case HistoryPlayback::State::Paused:
        onPlaybackProgress(m_playback->shownSeq(), m_playback->playedCount(), m_playback->operationCount());
        break;
    case HistoryPlayback::State::Returning:
        m_playStatus->setText(tr("Returning to the live scene…"));
        break;
    }
    updateButtons();
}

void HistoryPanel::closeEvent(QCloseEvent *event)
{
    // Only when the user closes the dock: a host tearing its window down
    // hides children after its overlay and the session may be gone.
    highlight({}, {});
    if (m_playback) // closing the panel ends the replay: back to the live scene
        m_playback->stop();
    QDockWidget::closeEvent(event);
}

void HistoryPanel::highlight(const QList<QUuid> &items, const QColor &color)
{
    if (m_presence)
        m_presence->setRemoteSelection(highlightKey(), color, items);
}

void HistoryPanel::onSelection()
{
    const QList<qint64> seqs = selectedSeqs();
    m_difference->clear();
    m_diffSeq = -1;
    if (seqs.isEmpty()) {
        highlight({}, {});
        return;
    }
    // What the entry touched, outlined in its user's colour.
    QList<QUuid> touched;
    QString user;
    for (const QJsonObject &op : std::as_const(m_entries)) {
        if (!seqs.contains(op.value(QLatin1String("seq")).toInteger()))
            continue;
        user = op.value(QLatin1String("user_id")).toString();
        for (const QJsonValue &c : op.value(QLatin1String("changes")).toArray()) {
            const QUuid id = QUuid::fromString(c.toObject().value(QLatin1String("item_id")).toString());
            if (!id.isNull() && !touched.contains(id))
                touched.append(id);
        }
    }
    if (!m_playback || m_playback->state() == HistoryPlayback::State::Idle)
        highlight(touched, UserColor::forUser(user, m_client->colorIndexOf(user)));
    if (!m_scene)
        return;
    // The version after the entry, against the scene now.
    m_diffSeq = seqs.first();
    m_difference->setText(tr("Comparing this version with now…"));
    HistoryRequest r;
    r.kind = HistoryRequest::Kind::SceneAt;
    r.seq = m_diffSeq;
    r.requestId = kDiffId;
    m_client->send(MessageFactory::toBytes(r.toJson()));
}

void HistoryPanel::showDifference(const QJsonObject &message)
{
    if (message.value(QLatin1String("seq")).toInteger() != m_diffSeq || !m_scene)
        return;
    if (m_playback && m_playback->state() != HistoryPlayback::State::Idle) {
        m_difference->setText(tr("(differences from now are shown when not playing)"));
        return;
    }
    HistoryScene then;
    if (!readHistoryScene(message, &then)) {
        m_difference->setText(tr("The server sent a scene that could not be read."));
        return;
    }
    HistoryScene now;
    for (const SceneItem &item : m_scene->items()) {
        const QString id = item.uuid.toString(QUuid::WithoutBraces);
        now.insert(id, StateItem{id, item.type, item.data});
    }
    const SceneDifference diff(then, now);
    if (diff.isEmpty()) {
        m_difference->setText(tr("This version is the scene as it is now."));
        return;
    }
    m_difference->setText(tr("Now, compared with this version:") + QLatin1Char('\n')
                          + diff.describe(m_names, 12).join(QLatin1Char('\n')));
}

void HistoryPanel::rebuildNames(const QJsonObject &message)
{
    HistoryScene base;
    if (!readHistoryScene(message, &base))
        return;
    m_names.reset(base);
    for (auto it = m_entries.crbegin(); it != m_entries.crend(); ++it) {
        HistoryOperation op;
        QString why;
        if (HistoryOperation::fromJson(*it, &op, &why))
            m_names.note(op);
    }
    rebuild();
}

void HistoryPanel::send(QJsonObject request)
{
    request.insert(QLatin1String("request_id"), kPanelId);
    m_client->send(MessageFactory::toBytes(request));
}

void HistoryPanel::refresh()
{
    HistoryRequest page;
    page.kind = HistoryRequest::Kind::Page;
    page.limit = m_pageSize;
    send(page.toJson());
}

void HistoryPanel::loadOlder()
{
    if (m_nextBefore < 0)
        return;
    HistoryRequest page;
    page.kind = HistoryRequest::Kind::Page;
    page.limit = m_pageSize;
    page.beforeSeq = m_nextBefore;
    page.requestId = kOlderId;
    m_older->setEnabled(false); // until the page arrives
    m_client->send(MessageFactory::toBytes(page.toJson()));
}

void HistoryPanel::setPageSize(int changes)
{
    m_pageSize = qBound(1, changes, HistoryRequest::MaxLimit);
}

QString HistoryPanel::describe(const QJsonObject &op, const ItemNamer &names)
{
    const QString what = describeChange(op, names);
    // The server marks an edit of what another user had changed moments before.
    const QJsonObject conflict = op.value(QLatin1String("conflict")).toObject();
    if (conflict.isEmpty())
        return what;
    const QString other = conflict.value(QLatin1String("user_id")).toString();
    return conflict.contains(QLatin1String("keys"))
        ? tr("%1 — over %2's change just before").arg(what, other)
        : tr("%1 — %2 had just changed it").arg(what, other);
}

QString HistoryPanel::describeChange(const QJsonObject &op, const ItemNamer &names)
{
    const QString user = op.value(QLatin1String("user_id")).toString();
    const QJsonObject group = op.value(QLatin1String("group")).toObject();
    // Versions by their names, changes by their time: never by the
    // server's numbers, which no list shows.
    const qint64 when = group.value(QLatin1String("target_time_ms")).toInteger();
    const QString at = when > 0 ? QDateTime::fromMSecsSinceEpoch(when).toString(QStringLiteral("HH:mm:ss")) : QString();
    if (group.value(QLatin1String("kind")).toString() == QLatin1String("restore")) {
        if (const QString name = group.value(QLatin1String("target_name")).toString(); !name.isEmpty())
            return tr("%1 restored the version “%2”").arg(user, name);
        return at.isEmpty() ? tr("%1 restored an earlier version").arg(user)
                            : tr("%1 restored the version of %2").arg(user, at);
    }
    if (group.value(QLatin1String("kind")).toString() == QLatin1String("revert"))
        return at.isEmpty() ? tr("%1 reverted an earlier change").arg(user)
                            : tr("%1 reverted the change of %2").arg(user, at);
    const QJsonArray changes = op.value(QLatin1String("changes")).toArray();
    if (op.value(QLatin1String("state_push")).toBool())
        return tr("%1 shared their canvas (%n item(s))", nullptr,
                  int(op.value(QLatin1String("changes_total")).toInteger(changes.size()))).arg(user);
    const QJsonObject c = changes.at(0).toObject();
    const QString item = itemLabel(c, names);
    if (!c.contains(QLatin1String("before")))
        return tr("%1 added %2").arg(user, item);
    if (!c.contains(QLatin1String("after")))
        return tr("%1 removed %2").arg(user, item);
    const QJsonObject before = c.value(QLatin1String("before")).toObject();
    const QJsonObject after = c.value(QLatin1String("after")).toObject();
    QStringList keys = before.keys() + after.keys();
    keys.removeDuplicates();
    const bool moved = std::all_of(keys.cbegin(), keys.cend(), [](const QString &k) {
        return k == QLatin1String("x_mm") || k == QLatin1String("y_mm") || k == QLatin1String("angle_deg");
    });
    if (moved && !keys.contains(QLatin1String("angle_deg")))
        return tr("%1 moved %2").arg(user, item);
    if (moved)
        return tr("%1 moved and turned %2").arg(user, item);
    QStringList parts;
    for (const QString &k : std::as_const(keys)) {
        if (k == QLatin1String("x_mm") || k == QLatin1String("y_mm"))
            continue;
        parts.append(QStringLiteral("%1 %2 → %3").arg(ItemNamer::keyLabel(k), ItemNamer::valueText(k, before.value(k)),
                                                      ItemNamer::valueText(k, after.value(k))));
    }
    return tr("%1 changed %2: %3").arg(user, item, parts.join(QLatin1String(", ")));
}

void HistoryPanel::onHistoryMessage(const QJsonObject &message)
{
    const QString type = message.value(QLatin1String("type")).toString();
    const QString requestId = message.value(QLatin1String("request_id")).toString();
    if (type == Protocol::TypeHistoryScene && requestId == kDiffId) {
        showDifference(message);
    } else if (type == Protocol::TypeHistoryScene && requestId == kNamesId) {
        if (message.value(QLatin1String("seq")).toInteger() == m_namesBaseSeq)
            rebuildNames(message);
    } else if (type == Protocol::TypeHistoryPage && (requestId == kPanelId || requestId == kOlderId)) {
        takePage(message, requestId == kOlderId);
    } else if (type == Protocol::TypeHistoryVersions) {
        m_versions.clear();
        for (const QJsonValue &v : message.value(QLatin1String("versions")).toArray())
            m_versions.append(v.toObject());
        rebuild();
    } else if (type == Protocol::TypeHistoryVersionNamed) {
        // One version named (or renamed): the list changes by that one.
        const QJsonObject named = message.value(QLatin1String("version")).toObject();
        const qint64 seq = named.value(QLatin1String("seq")).toInteger(-1);
        m_versions.erase(std::remove_if(m_versions.begin(), m_versions.end(),
                                        [seq](const QJsonObject &v) { return v.value(QLatin1String("seq")).toInteger() == seq; }),
                         m_versions.end());
        m_versions.append(named);
        rebuild();
    } else if (type == Protocol::TypeHistoryDone && requestId == kPanelId) {
        // What was left out, in the words of the list: per item and user,
        // the properties ("position of Lens 1 (alice changed it since)").
        struct Left
        {
            QString itemId;
            QString userId;
            QStringList keys;
        };
        QList<Left> kept;
        int items = 0;
        for (const QJsonValue &v : message.value(QLatin1String("skipped")).toArray()) {
            const QJsonObject s = v.toObject();
            if (!s.contains(QLatin1String("key"))) {
                ++items;
                continue;
            }
            const QString itemId = s.value(QLatin1String("item_id")).toString();
            const QString userId = s.value(QLatin1String("user_id")).toString();
            auto it = std::find_if(kept.begin(), kept.end(),
                                   [&](const Left &l) { return l.itemId == itemId && l.userId == userId; });
            if (it == kept.end())
                it = kept.insert(kept.end(), {itemId, userId, {}});
            it->keys.append(s.value(QLatin1String("key")).toString());
        }
        QStringList left;
        for (const Left &l : std::as_const(kept)) {
            const SceneItem item = m_scene ? m_scene->item(QUuid::fromString(l.itemId)) : SceneItem{};
            left.append(tr("%1 of %2 (%3 changed it since)")
                            .arg(EditWords::properties(l.keys), m_names.name(l.itemId, item.type, item.data),
                                 l.userId.isEmpty() ? tr("someone") : l.userId));
        }
        if (items > 0)
            left.append(tr("%n item(s) removed or added since", nullptr, items));
        m_status->setText(left.isEmpty() ? tr("Done: %n change(s) applied for everyone.", nullptr,
                                              message.value(QLatin1String("applied")).toInt())
                                         : tr("Done; left out: %1").arg(left.join(QLatin1String(", "))));
        refresh();
    }
}

void HistoryPanel::showHistoryStart(const QJsonObject &start)
{
    // Where the server's history begins, when it lost or dropped older changes.
    const QString reason = start.value(QLatin1String("reason")).toString();
    const qint64 timeMs = start.value(QLatin1String("time_ms")).toInteger(-1);
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(timeMs).toLocalTime();
    const QString at = when.date() == QDate::currentDate() ? QLocale().toString(when.time(), QLocale::ShortFormat)
                                                           : QLocale().toString(when, QLocale::ShortFormat);
    QString text;
    if (reason == QLatin1String("memory_budget") && timeMs >= 0)
        text = tr("Changes before %1 are not kept; start the server with --data-dir to keep them.").arg(at);
    else if (reason == QLatin1String("max_age") && timeMs >= 0)
        text = tr("Changes before %1 are older than the server keeps.").arg(at);
    else if (reason == QLatin1String("damaged"))
        text = tr("The server's history before change %1 is missing (its data file was damaged).")
                   .arg(start.value(QLatin1String("seq")).toInteger());
    m_historyStart->setText(text);
    m_historyStart->setVisible(!text.isEmpty());
}

void HistoryPanel::takePage(const QJsonObject &message, bool older)
{
    m_baseSeq = message.value(QLatin1String("base_seq")).toInteger();
    QList<QJsonObject> page;
    for (const QJsonValue &v : message.value(QLatin1String("entries")).toArray())
        page.append(v.toObject());
    const qint64 pageNext = message.value(QLatin1String("next_before_seq")).toInteger(-1);
    const auto seqOf = [](const QJsonObject &op) { return op.value(QLatin1String("seq")).toInteger(); };
    if (older) {
        // Appended below what is shown (anything newer than it is a repeat).
        const qint64 oldest = m_entries.isEmpty() ? std::numeric_limits<qint64>::max() : seqOf(m_entries.last());
        for (const QJsonObject &op : std::as_const(page))
            if (seqOf(op) < oldest)
                m_entries.append(op);
        m_nextBefore = pageNext;
    } else {
        // The newest page, then the older pages loaded before, below it,
        // unless more changes came meanwhile than a page holds (a gap).
        const qint64 oldest = page.isEmpty() ? std::numeric_limits<qint64>::max() : seqOf(page.last());
        const qint64 newestShown = m_entries.isEmpty() ? m_baseSeq : seqOf(m_entries.first());
        if (pageNext >= 0 && oldest > newestShown + 1)
            m_entries.clear();
        const bool olderShown = !m_entries.isEmpty() && seqOf(m_entries.last()) < oldest;
        for (const QJsonObject &op : std::as_const(m_entries))
            if (seqOf(op) < oldest && seqOf(op) > m_baseSeq)
                page.append(op);
        m_entries = page;
        if (!olderShown)
            m_nextBefore = pageNext;
    }
    m_older->setVisible(m_nextBefore >= 0);
    enableServerButton(m_older, true);
    m_lastUpdate = QDateTime::currentDateTime();
    showHistoryStart(message.value(QLatin1String("history_starts")).toObject());
    m_versions.clear();
    for (const QJsonValue &v : message.value(QLatin1String("versions")).toArray())
        m_versions.append(v.toObject());
    // Names count from the scene before the oldest entry shown.
    const qint64 namesBase = m_entries.isEmpty() ? -1 : seqOf(m_entries.last()) - 1;
    if (namesBase >= 0 && namesBase != m_namesBaseSeq) {
        m_namesBaseSeq = namesBase;
        HistoryRequest r;
        r.kind = HistoryRequest::Kind::SceneAt;
        r.seq = namesBase;
        r.requestId = kNamesId;
        m_client->send(MessageFactory::toBytes(r.toJson()));
    } else if (namesBase >= 0 && !m_entries.isEmpty()) {
        // Same start: note the adds that are new since.
        HistoryOperation op;
        QString why;
        for (auto it = m_entries.crbegin(); it != m_entries.crend(); ++it)
            if (HistoryOperation::fromJson(*it, &op, &why))
                m_names.note(op);
    }
    rebuild();
}

void HistoryPanel::markConflict(QTreeWidgetItem *entry, const QJsonObject &op) const
{
    // The words say it at their end, which a narrow dock elides: the icon
    // shows it at the start.
    if (op.contains(QLatin1String("conflict")))
        entry->setIcon(0, style()->standardIcon(QStyle::SP_MessageBoxWarning));
}

void HistoryPanel::rebuild()
{
    // Users seen, for the filter.
    QStringList users;
    for (const QJsonObject &op : std::as_const(m_entries))
        users.append(op.value(QLatin1String("user_id")).toString());
    users.removeDuplicates();
    users.sort();
    const QString chosen = m_userFilter->currentData().toString();
    {
        const QSignalBlocker block(m_userFilter);
        m_userFilter->clear();
        m_userFilter->addItem(tr("Everyone"), QString());
        for (const QString &u : std::as_const(users))
            m_userFilter->addItem(u, u);
        m_userFilter->setCurrentIndex(qMax(0, m_userFilter->findData(chosen)));
    }
    const QString itemText = m_itemFilter->text().trimmed();
    // New changes refresh the list: keep the user's selection across it.
    const QList<qint64> kept = selectedSeqs();
    const QSignalBlocker quiet(m_tree);
    m_tree->clear();
    QTreeWidgetItem *day = nullptr;
    QDate dayDate;
    QTreeWidgetItem *last = nullptr;
    QJsonObject lastOp;
    for (const QJsonObject &op : std::as_const(m_entries)) {
        const QString user = op.value(QLatin1String("user_id")).toString();
        if (!chosen.isEmpty() && user != chosen)
            continue;
        if (!itemText.isEmpty()) {
            bool match = false;
            for (const QJsonValue &c : op.value(QLatin1String("changes")).toArray())
                match = match || itemLabel(c.toObject(), m_names).contains(itemText, Qt::CaseInsensitive)
                    || c.toObject().value(QLatin1String("item_id")).toString().contains(itemText, Qt::CaseInsensitive);
            if (!match)
                continue;
        }
        const QDateTime when = QDateTime::fromMSecsSinceEpoch(timeOf(op));
        if (!day || when.date() != dayDate) {
            dayDate = when.date();
            day = new QTreeWidgetItem(m_tree, {QLocale().toString(dayDate, QLocale::LongFormat)});
            day->setFlags(Qt::ItemIsEnabled);
            day->setExpanded(true);
            last = nullptr;
        }
        // Bursts: a drag (same user, item and action within a few seconds),
        // or one restore/revert group, is one entry.
        const bool sameGroup = last && !groupId(op).isEmpty() && groupId(op) == groupId(lastOp);
        const bool sameBurst = last && groupId(op).isEmpty() && groupId(lastOp).isEmpty()
            && user == lastOp.value(QLatin1String("user_id")).toString() && firstItem(op) == firstItem(lastOp)
            && actionOf(op) == actionOf(lastOp) && actionOf(op) != QLatin1String("add_item")
            && actionOf(op) != QLatin1String("remove_item") && timeOf(lastOp) - timeOf(op) < BurstMs;
        if (sameGroup || sameBurst) {
            QVariantList seqs = last->data(0, SeqsRole).toList();
            seqs.append(op.value(QLatin1String("seq")).toInteger());
            last->setData(0, SeqsRole, seqs);
            if (sameBurst) {
                // The words span the burst: from the oldest value to the newest.
                QJsonObject merged = op;
                QJsonArray changes = op.value(QLatin1String("changes")).toArray();
                QJsonObject c = changes.at(0).toObject();
                c.insert(QLatin1String("after"),
                         last->data(0, Qt::UserRole + 2).toJsonObject().value(QLatin1String("after")));
                changes.replace(0, c);
                merged.insert(QLatin1String("changes"), changes);
                last->setText(0, describe(merged, m_names));
                markConflict(last, op);
            }
            continue;
        }
        QString text = describe(op, m_names);
        for (const QJsonObject &v : std::as_const(m_versions))
            if (v.value(QLatin1String("seq")).toInteger() == op.value(QLatin1String("seq")).toInteger())
                text = QStringLiteral("★ %1 — %2").arg(v.value(QLatin1String("name")).toString(), text);
        last = new QTreeWidgetItem(day, {text, when.toString(QStringLiteral("HH:mm:ss"))});
        last->setData(0, SeqsRole, QVariantList{op.value(QLatin1String("seq")).toInteger()});
        last->setData(0, Qt::UserRole + 2, op.value(QLatin1String("changes")).toArray().at(0).toObject());
        last->setForeground(0, UserColor::readableOn(UserColor::forUser(user, m_client->colorIndexOf(user)),
                                                     m_tree->palette().color(QPalette::Base)));
        last->setToolTip(0, tr("%1 (change %2)").arg(text).arg(op.value(QLatin1String("seq")).toInteger()));
        markConflict(last, op);
        lastOp = op;
    }
    if (m_entries.isEmpty() && connected())
        m_status->setText(tr("No changes in this session yet."));
    else if (m_entries.isEmpty())
        m_status->clear(); // the connection line says why the list is empty
    if (!kept.isEmpty()) {
        for (QTreeWidgetItemIterator it(m_tree); *it; ++it)
            if (!(*it)->data(0, SeqsRole).toList().isEmpty()
                && (*it)->data(0, SeqsRole).toList().constLast().toLongLong() == kept.last()) {
                m_tree->setCurrentItem(*it);
                break;
            }
        onSelection(); // against the scene as it is now (or nothing selected any more)
    }
    updateButtons();
}

QList<qint64> HistoryPanel::selectedSeqs() const
{
    QList<qint64> out;
    const QList<QTreeWidgetItem *> selected = m_tree->selectedItems();
    if (!selected.isEmpty())
        for (const QVariant &v : selected.first()->data(0, SeqsRole).toList())
            out.append(v.toLongLong());
    return out;
}

void HistoryPanel::updateButtons()
{
    const bool idle = !m_playback || m_playback->state() == HistoryPlayback::State::Idle;
    const bool any = !selectedSeqs().isEmpty() && idle;
    enableServerButton(m_restore, any);
    enableServerButton(m_revert, any);
    enableServerButton(m_name, any);
}

void HistoryPanel::restoreSelected()
{
    const QList<qint64> seqs = selectedSeqs();
    if (seqs.isEmpty())
        return;
    HistoryRequest r;
    r.kind = HistoryRequest::Kind::Restore;
    r.seq = seqs.first(); // the newest of the entry: the version right after it
    send(r.toJson());
}

void HistoryPanel::revertSelected()
{
    // A burst is reverted newest first, so each inverse finds its own values.
    for (qint64 seq : selectedSeqs()) {
        HistoryRequest r;
        r.kind = HistoryRequest::Kind::Revert;
        r.seq = seq;
        send(r.toJson());
    }
}

void HistoryPanel::nameSelected()
{
    const QList<qint64> seqs = selectedSeqs();
    if (seqs.isEmpty())
        return;
    QInputDialog dialog(this);
    dialog.setWindowTitle(tr("Name this version"));
    dialog.setLabelText(tr("A name for the session as it was after this change:"));
    // Wide enough for a window manager to show the title whole (a dialog
    // sized to its short field had it cut to "Name …ersion").
    dialog.setMinimumWidth(dialog.fontMetrics().horizontalAdvance(dialog.windowTitle()) * 2 + 160);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const QString name = dialog.textValue();
    if (name.trimmed().isEmpty())
        return;
    HistoryRequest r;
    r.kind = HistoryRequest::Kind::Name;
    r.seq = seqs.first();
    r.name = name.trimmed().left(HistoryRequest::MaxNameLength);
    send(r.toJson());
}

} // namespace Optiverse::Collab
