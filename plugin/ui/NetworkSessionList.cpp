// SPDX-License-Identifier: MIT
#include "NetworkSessionList.h"

#include "BeaconListener.h"

#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QPainterPath>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace Optiverse::Collab {

namespace {
constexpr int ServerIndexRole = Qt::UserRole;
constexpr int SessionIdRole = Qt::UserRole + 1;
enum Column { SessionColumn, UsersColumn, ServerColumn, UrlColumn };

// A padlock in the text colour: themes are not guaranteed to have one.
QIcon lockIcon(const QColor &color)
{
    QPixmap pixmap(16, 16);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(color, 1.6));
    p.setBrush(Qt::NoBrush);
    QPainterPath shackle;
    shackle.moveTo(5, 8);
    shackle.lineTo(5, 5.5);
    shackle.arcTo(QRectF(5, 2, 6, 6), 180, -180);
    shackle.lineTo(11, 8);
    p.drawPath(shackle);
    p.setPen(Qt::NoPen);
    p.setBrush(color);
    p.drawRoundedRect(QRectF(3, 7.5, 10, 7), 1.5, 1.5);
    return QIcon(pixmap);
}
} // namespace

NetworkSessionList::NetworkSessionList(DiscoveryConfig config, QWidget *parent)
    : QWidget(parent)
    , m_config(std::move(config))
{
    setObjectName(QStringLiteral("networkSessions"));
    m_view = new QTreeWidget(this);
    m_view->setObjectName(QStringLiteral("networkSessionView"));
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAllColumnsShowFocus(true);
    m_view->setHeaderLabels({tr("Session"), tr("Users"), tr("Server"), tr("Address")});
    m_view->header()->setStretchLastSection(true);
    m_view->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    // Its own height, not squeezed by an error shown below: the dialog grows instead.
    m_view->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Minimum);
    m_view->setMinimumWidth(fontMetrics().averageCharWidth() * 64); // name, count and a full ws://IP:PORT
    m_view->setToolTip(tr("Servers on this network that announce themselves. Double-click a session to join it."));
    connect(m_view, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) { activate(item); });

    m_hint = new QLabel(this);
    m_hint->setObjectName(QStringLiteral("networkSessionHint"));
    m_hint->setWordWrap(true);
    m_hint->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    layout->addWidget(m_hint);

    m_nothingFound.setSingleShot(true);
    m_nothingFound.setInterval(NothingFoundHintMs);
    connect(&m_nothingFound, &QTimer::timeout, this, [this] {
        m_waitedLongEnough = true;
        updateHint();
    });
    updateHint();
}

NetworkSessionList::~NetworkSessionList() = default;

void NetworkSessionList::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_listener)
        return;
    m_listener = new BeaconListener(m_config, this);
    connect(m_listener, &BeaconListener::serversChanged, this, &NetworkSessionList::rebuild);
    m_listenError.clear();
    if (!m_listener->start(&m_listenError)) {
        delete m_listener;
        m_listener = nullptr;
    }
    m_waitedLongEnough = false;
    m_nothingFound.start();
    updateHint();
}

void NetworkSessionList::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    // Listening is passive, but a dialog page nobody looks at has no reason to.
    delete m_listener;
    m_listener = nullptr;
    m_nothingFound.stop();
    m_servers.clear();
    m_view->clear();
    m_chosenNote.clear();
}

int NetworkSessionList::rowCount() const
{
    return m_view->topLevelItemCount();
}

QString NetworkSessionList::hintText() const
{
    return m_hint->text();
}

void NetworkSessionList::rebuild()
{
    if (!m_listener)
        return;
    // Keep the selected row selected across updates.
    QString selectedKey;
    if (const QTreeWidgetItem *current = m_view->currentItem())
        selectedKey = current->text(UrlColumn) + QLatin1Char('|') + current->data(SessionColumn, SessionIdRole).toString();

    m_servers = m_listener->servers();
    m_view->setUpdatesEnabled(false);
    m_view->clear();
    const QIcon lock = lockIcon(palette().color(QPalette::Text));
    QPixmap blank(16, 16); // keeps session names aligned with the locked ones
    blank.fill(Qt::transparent);
    const QIcon none(blank);
    QList<QTreeWidgetItem *> rows;
    for (int i = 0; i < m_servers.size(); ++i) {
        const DiscoveredServer &server = m_servers.at(i);
        const Beacon &b = server.beacon;
        const auto addRow = [&](const QString &sessionId, const QString &sessionText, int users, const QStringList &names) {
            auto *item = new QTreeWidgetItem;
            item->setText(SessionColumn, sessionText);
            item->setData(SessionColumn, SessionIdRole, sessionId);
            item->setData(SessionColumn, ServerIndexRole, i);
            if (users >= 0) {
                item->setText(UsersColumn, QString::number(users));
                item->setToolTip(UsersColumn, names.isEmpty() ? tr("%n user(s)", nullptr, users)
                                                              : names.join(QLatin1String(", ")));
                item->setTextAlignment(UsersColumn, Qt::AlignRight | Qt::AlignVCenter);
            }
            item->setText(ServerColumn, b.name);
            item->setText(UrlColumn, server.url().toString());
            QStringList tip{tr("%1 at %2").arg(b.name, server.url().toString())};
            item->setIcon(SessionColumn, b.passwordRequired ? lock : none);
            if (b.passwordRequired)
                tip.append(tr("A password is required."));
            if (!b.fingerprint.isEmpty())
                tip.append(tr("Encrypted (wss://); certificate SHA-256 %1").arg(b.fingerprint));
            item->setToolTip(SessionColumn, tip.join(QLatin1Char('\n')));
            item->setToolTip(ServerColumn, item->toolTip(SessionColumn));
            if (sessionId.isEmpty()) {
                QFont italic = item->font(SessionColumn);
                italic.setItalic(true);
                item->setFont(SessionColumn, italic);
            }
            rows.append(item);
        };
        if (b.sessions.isEmpty())
            addRow(QString(), tr("no session yet"), -1, {});
        for (const AdvertisedSession &s : b.sessions)
            addRow(s.id, s.id, s.users, s.names);
    }
    m_view->addTopLevelItems(rows);
    for (QTreeWidgetItem *item : std::as_const(rows)) {
        if (!selectedKey.isEmpty()
            && item->text(UrlColumn) + QLatin1Char('|') + item->data(SessionColumn, SessionIdRole).toString() == selectedKey)
            m_view->setCurrentItem(item);
    }
    m_view->setUpdatesEnabled(true);
    updateHint();
}

void NetworkSessionList::activate(QTreeWidgetItem *item)
{
    if (!item)
        return;
    const int index = item->data(SessionColumn, ServerIndexRole).toInt();
    if (index < 0 || index >= m_servers.size())
        return;
    emit sessionChosen(m_servers.at(index), item->data(SessionColumn, SessionIdRole).toString());
}

void NetworkSessionList::showChosen(const DiscoveredServer &server, const QString &sessionId)
{
    QString text = sessionId.isEmpty()
        ? tr("Filled in from the announcement of %1.").arg(server.beacon.name)
        : tr("Filled in from the announcement of %1, session \"%2\".").arg(server.beacon.name, sessionId);
    if (!server.beacon.fingerprint.isEmpty())
        text += QLatin1Char(' ')
            + tr("Its certificate fingerprint comes from that announcement and is trusted on first use: anyone on "
                 "this network could announce a server, so compare it with the one the server printed if it matters.");
    m_chosenNote = text;
    updateHint();
}

void NetworkSessionList::updateHint()
{
    if (!m_listenError.isEmpty())
        m_hint->setText(tr("Cannot look for sessions on this network (%1). Type the server URL below.").arg(m_listenError));
    else if (!m_chosenNote.isEmpty())
        m_hint->setText(m_chosenNote);
    else if (!m_servers.isEmpty())
        m_hint->setText(tr("Double-click a session to join it."));
    else if (m_waitedLongEnough)
        m_hint->setText(tr("No session found on this network. Multicast may be blocked here; typing the server URL "
                           "below works as before."));
    else
        m_hint->setText(tr("Looking for sessions on this network…"));
}

} // namespace Optiverse::Collab
